import type { EntityManager } from '@mikro-orm/core';
import { repositoriesOf } from './repositories/index.js';

/** What one prune deleted. */
export interface PruneResult {
  sessions: number;
  oneTimeTokens: number;
  /** Spent or expired OpenID Connect flows, link tickets and sign-in codes. */
  oidcTickets: number;
}

/**
 * Deletes the rows nothing can use any more: sessions whose refresh token has
 * expired (revoked ones included, but only then: reuse detection needs them
 * until that time) and one-time tokens that are spent, retired or expired.
 * Plain deletes by condition: several instances pruning at once delete each
 * row once between them, and a failed prune is simply made again later.
 */
export async function pruneDeadRows(em: EntityManager, now: Date = new Date()): Promise<PruneResult> {
  const { sessions, oneTimeTokens, oidcTickets } = repositoriesOf(em);
  return {
    sessions: await sessions.deleteExpired(now),
    oneTimeTokens: await oneTimeTokens.deleteSpentOrExpired(now),
    oidcTickets: await oidcTickets.deleteSpentOrExpired(now),
  };
}
