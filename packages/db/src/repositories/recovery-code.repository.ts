import { EntityRepository } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { RecoveryCode } from '../entities/recovery-code.entity.js';

export class RecoveryCodeRepository extends EntityRepository<RecoveryCode> {
  /** Retires the user's set of codes and stores the new one (hashes only). Run it in a transaction. */
  async replaceSet(userId: string, codeHashes: readonly string[], now: Date): Promise<void> {
    await this.nativeDelete({ user: userId });
    if (codeHashes.length === 0) return;
    await this.insertMany(
      codeHashes.map((codeHash) => ({ id: uuidv7(), user: userId, codeHash, usedAt: null, createdAt: now })),
    );
  }

  /**
   * Spends one of the user's unused codes. The conditional update decides:
   * of parallel uses of one code, exactly one sees a row.
   */
  async spend(userId: string, codeHash: string, now: Date): Promise<boolean> {
    return (await this.nativeUpdate({ user: userId, codeHash, usedAt: null }, { usedAt: now })) === 1;
  }

  /** How many of the user's codes still work. */
  countUnused(userId: string): Promise<number> {
    return this.count({ user: userId, usedAt: null });
  }

  removeOfUser(userId: string): Promise<number> {
    return this.nativeDelete({ user: userId });
  }
}
