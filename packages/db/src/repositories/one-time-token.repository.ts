import { EntityRepository } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { v7 as uuidv7 } from 'uuid';
import type { OneTimeToken, OneTimeTokenPurpose } from '../entities/one-time-token.entity.js';

/** What a spent token was for. */
export interface SpentToken {
  userId: string;
  /** The address a verification token confirms, or the verified address a reset token was sent to. */
  email: string | null;
}

export class OneTimeTokenRepository extends EntityRepository<OneTimeToken> {
  /**
   * Stores the hash of a new token for the user and purpose, replacing the
   * previous one (used or not): from now on only this token can be spent.
   *
   * One statement (an insert that updates the (user, purpose) row when there
   * is one), so it can share a transaction with its audit row: no update that
   * finds nothing holds a gap lock while the insert waits (the caller's
   * transaction, AccountEmailService's, says why that matters on MySQL), and
   * parallel replacements for one user wait for each other (the last one wins).
   */
  async replace(params: {
    userId: string;
    purpose: OneTimeTokenPurpose;
    tokenHash: string;
    email: string | null;
    expiresAt: Date;
    now: Date;
  }): Promise<void> {
    const values = {
      tokenHash: params.tokenHash,
      email: params.email,
      expiresAt: params.expiresAt,
      usedAt: null,
      createdAt: params.now,
    };
    await (this.getEntityManager() as SqlEntityManager)
      .createQueryBuilder(this.entityName)
      .insert({ id: uuidv7(), user: params.userId, purpose: params.purpose, ...values })
      .onConflict(['user', 'purpose'])
      .merge(Object.keys(values) as (keyof typeof values)[])
      .execute();
  }

  /**
   * Marks the token used if it is live (unused, unexpired, not replaced) and
   * says whose it was. The conditional update decides: of two requests racing
   * with one token, exactly one sees an affected row.
   */
  async spend(tokenHash: string, purpose: OneTimeTokenPurpose, now: Date): Promise<SpentToken | null> {
    const row = await this.findOne({ tokenHash, purpose }, { fields: ['user', 'email'] });
    if (!row) return null;
    const affected = await this.nativeUpdate(
      { id: row.id, tokenHash, usedAt: null, expiresAt: { $gt: now } },
      { usedAt: now },
    );
    return affected === 1 ? { userId: row.user.id, email: row.email ?? null } : null;
  }

  /** Retires the user's live token of a purpose, if any (e.g. the address it was for changed). */
  async retire(userId: string, purpose: OneTimeTokenPurpose, now: Date): Promise<void> {
    await this.nativeUpdate({ user: userId, purpose, usedAt: null }, { usedAt: now });
  }

  /** Retires every live token of the user, of every purpose: no link mailed before now works. */
  async retireAll(userId: string, now: Date): Promise<void> {
    await this.nativeUpdate({ user: userId, usedAt: null }, { usedAt: now });
  }

  /**
   * The address the user's live verification link is for: a pending claim,
   * which lives exactly as long as its link (replaced, spent, retired or
   * expired, and it is gone).
   */
  async pendingEmailOf(userId: string, now: Date): Promise<string | null> {
    const row = await this.findOne(
      { user: userId, purpose: 'verify_email', usedAt: null, expiresAt: { $gt: now } },
      { fields: ['email'] },
    );
    return row?.email ?? null;
  }

  /** Deletes the tokens that can never be spent again: used (or retired) and expired ones. */
  deleteSpentOrExpired(now: Date): Promise<number> {
    return this.nativeDelete({ $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lte: now } }] });
  }
}
