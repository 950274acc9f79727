import type { EntityManager } from '@mikro-orm/core';
import { DEFAULT_AUDIT_RETENTION_DAYS } from './entities/audit-event.entity.js';
import { repositoriesOf } from './repositories/index.js';

/** What one prune deleted. */
export interface PruneResult {
  sessions: number;
  oneTimeTokens: number;
  /** Spent or expired OpenID Connect flows, link tickets and sign-in codes. */
  oidcTickets: number;
  webauthnChallenges: number;
  mfaChallenges: number;
  auditEvents: number;
}

export interface PruneOptions {
  /** Audit rows older than this go (AUDIT_RETENTION; default DEFAULT_AUDIT_RETENTION_DAYS). */
  auditRetentionMs?: number;
}

/**
 * Deletes the rows nothing can use any more: sessions whose refresh token has
 * expired (revoked ones included, but only then: reuse detection needs them
 * until that time), one-time tokens that are spent, retired or expired,
 * expired WebAuthn challenges (anyone may ask for one, so they must not pile up),
 * and audit events past their retention.
 * Plain deletes by condition: several instances pruning at once delete each
 * row once between them, and a failed prune is simply made again later.
 */
export async function pruneDeadRows(
  em: EntityManager,
  now: Date = new Date(),
  options: PruneOptions = {},
): Promise<PruneResult> {
  const { sessions, oneTimeTokens, oidcTickets, webauthnChallenges, mfaChallenges, auditEvents } = repositoriesOf(em);
  const retentionMs = options.auditRetentionMs ?? DEFAULT_AUDIT_RETENTION_DAYS * 86_400_000;
  // Sessions last: a caller that sees its expired session gone knows the prune has all but finished.
  const mfaChallengesDeleted = await mfaChallenges.deleteSpentOrExpired(now);
  const webauthnChallengesDeleted = await webauthnChallenges.deleteExpired(now);
  const oidcTicketsDeleted = await oidcTickets.deleteSpentOrExpired(now);
  const oneTimeTokensDeleted = await oneTimeTokens.deleteSpentOrExpired(now);
  const auditEventsDeleted = await auditEvents.deleteOlderThan(new Date(now.getTime() - retentionMs));
  return {
    sessions: await sessions.deleteExpired(now),
    oneTimeTokens: oneTimeTokensDeleted,
    oidcTickets: oidcTicketsDeleted,
    webauthnChallenges: webauthnChallengesDeleted,
    mfaChallenges: mfaChallengesDeleted,
    auditEvents: auditEventsDeleted,
  };
}
