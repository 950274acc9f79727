import { EntityRepository, UniqueConstraintViolationException } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { TotpCredential } from '../entities/totp-credential.entity.js';

export class TotpCredentialRepository extends EntityRepository<TotpCredential> {
  /** The user's authenticator, pending or confirmed, read afresh (another request may have changed it). */
  findOfUser(userId: string): Promise<TotpCredential | null> {
    return this.findOne({ user: userId }, { refresh: true });
  }

  /** Whether the user has confirmed TOTP (a sign-in then needs a code). */
  async isEnabledFor(userId: string): Promise<boolean> {
    return (await this.count({ user: userId, confirmedAt: { $ne: null } })) > 0;
  }

  /**
   * Stores a new pending secret for the user, replacing a pending one. False
   * when TOTP is already confirmed: that one stays, untouched.
   */
  async replacePending(params: { userId: string; encryptedSecret: string; now: Date }): Promise<boolean> {
    const values = { encryptedSecret: params.encryptedSecret, lastUsedStep: null, createdAt: params.now };
    if ((await this.nativeUpdate({ user: params.userId, confirmedAt: null }, values)) === 1) return true;
    try {
      await this.insert({ id: uuidv7(), user: params.userId, confirmedAt: null, ...values });
      return true;
    } catch (error) {
      // A row exists: a confirmed one (false), or the pending one of a setup that raced this one (replaced).
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return (await this.nativeUpdate({ user: params.userId, confirmedAt: null }, values)) === 1;
    }
  }

  /**
   * Accepts the code of time step `step`: only if no code of this or a later
   * step was accepted before, so a code works once. The conditional update
   * decides: of parallel submissions of one code, at most one sees a row.
   * `pending`: the confirmation of a pending setup (which turns TOTP on).
   */
  async acceptStep(params: { id: string; step: number; now: Date; pending: boolean }): Promise<boolean> {
    const affected = await this.nativeUpdate(
      {
        id: params.id,
        confirmedAt: params.pending ? null : { $ne: null },
        $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: params.step } }],
      },
      params.pending ? { lastUsedStep: params.step, confirmedAt: params.now } : { lastUsedStep: params.step },
    );
    return affected === 1;
  }

  /** Turns TOTP off (pending or confirmed); returns whether there was one. */
  async removeOfUser(userId: string): Promise<boolean> {
    return (await this.nativeDelete({ user: userId })) > 0;
  }
}
