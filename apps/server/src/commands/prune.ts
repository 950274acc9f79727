import { createOrm, pruneDeadRows } from '@repo/db';
import { loadConfigOrExit } from '../config.js';

// `pnpm db:prune`: what the server does every hour, once, for a cron job or by hand.
const config = loadConfigOrExit();
const orm = await createOrm({ url: config.databaseUrl, rootDir: config.rootDir, ...config.databaseTimeouts });
try {
  const deleted = await pruneDeadRows(orm.em.fork(), new Date(), { auditRetentionMs: config.auditRetentionMs });
  console.log(
    `Deleted ${deleted.sessions} expired sessions, ${deleted.oneTimeTokens} spent or expired one-time tokens, ${deleted.oidcTickets} spent or expired sign-in tickets, ${deleted.webauthnChallenges} expired passkey challenges, ${deleted.mfaChallenges} second-factor challenges and ${deleted.auditEvents} audit events past AUDIT_RETENTION`,
  );
} finally {
  await orm.close();
}
