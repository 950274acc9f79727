import { EntityRepository, raw } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { MfaChallenge } from '../entities/mfa-challenge.entity.js';

export class MfaChallengeRepository extends EntityRepository<MfaChallenge> {
  /** Stores a new challenge of the user (the hash of its mfaToken). */
  async add(params: { userId: string; tokenHash: string; expiresAt: Date; now: Date }): Promise<void> {
    await this.insert({
      id: uuidv7(),
      user: params.userId,
      tokenHash: params.tokenHash,
      attempts: 0,
      expiresAt: params.expiresAt,
      usedAt: null,
      createdAt: params.now,
    });
  }

  /** The user of a live challenge (unused, unexpired), or null. */
  async userOfLive(tokenHash: string, now: Date): Promise<string | null> {
    const row = await this.findOne(
      { tokenHash, usedAt: null, expiresAt: { $gt: now } },
      { fields: ['user'], refresh: true },
    );
    return row ? row.user.id : null;
  }

  /**
   * Takes one attempt from a live challenge, before its code is checked:
   * false when it is used, expired, or has had `maxAttempts`. One
   * conditional increment, so parallel attempts never exceed the limit.
   */
  async takeAttempt(tokenHash: string, maxAttempts: number, now: Date): Promise<boolean> {
    const affected = await this.nativeUpdate(
      { tokenHash, usedAt: null, expiresAt: { $gt: now }, attempts: { $lt: maxAttempts } },
      { attempts: raw('`attempts` + 1') },
    );
    return affected === 1;
  }

  /** Spends the challenge: of parallel right codes, exactly one gets a session. */
  async spend(tokenHash: string, now: Date): Promise<boolean> {
    return (await this.nativeUpdate({ tokenHash, usedAt: null, expiresAt: { $gt: now } }, { usedAt: now })) === 1;
  }

  /** Deletes the challenges that can never be answered again: used or expired ones. */
  deleteSpentOrExpired(now: Date): Promise<number> {
    return this.nativeDelete({ $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lte: now } }] });
  }
}
