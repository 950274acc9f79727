import type { MikroORM } from '@mikro-orm/core';
import { pruneDeadRows } from '@repo/db';
import type { Logger } from 'pino';

/** How often the server deletes expired sessions, dead one-time tokens and audit events past their retention. */
export const PRUNE_INTERVAL_MS = 3_600_000;

export interface PruneSchedule {
  /** Stops the timer and waits for a prune under way, so the ORM can close after it. */
  stop(): Promise<void>;
}

/**
 * Prunes once now and then every `intervalMs`. Several instances may prune
 * at the same time: the deletes are by condition, so the rows go once and the
 * rest find nothing. The timer is unref'd: it never keeps the process alive.
 * A failed prune (database down) is logged and made again at the next tick.
 */
export function startPruneSchedule(options: {
  orm: MikroORM;
  logger: Logger;
  intervalMs?: number;
  now?: () => Date;
  /** AUDIT_RETENTION (default: @repo/db's). */
  auditRetentionMs?: number;
}): PruneSchedule {
  const now = options.now ?? (() => new Date());
  let running: Promise<void> | undefined;
  const prune = () => {
    if (running) return;
    // Started inside a promise: a failure to even begin (no connection) is logged like any other.
    running = Promise.resolve()
      .then(() =>
        pruneDeadRows(
          options.orm.em.fork(),
          now(),
          options.auditRetentionMs === undefined ? {} : { auditRetentionMs: options.auditRetentionMs },
        ),
      )
      .then(
        (deleted) => {
          const total =
            deleted.sessions +
            deleted.oneTimeTokens +
            deleted.oidcTickets +
            deleted.webauthnChallenges +
            deleted.mfaChallenges +
            deleted.auditEvents;
          options.logger[total > 0 ? 'info' : 'debug'](
            { deleted },
            'pruned expired sessions, one-time tokens and old audit events',
          );
        },
        (error: unknown) => options.logger.warn({ err: error }, 'prune failed; trying again at the next interval'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(prune, options.intervalMs ?? PRUNE_INTERVAL_MS);
  timer.unref();
  prune();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
