import { EntityRepository } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { Passkey } from '../entities/passkey.entity.js';

export class PasskeyRepository extends EntityRepository<Passkey> {
  /** The user's passkeys, oldest first. */
  listOfUser(userId: string): Promise<Passkey[]> {
    return this.find({ user: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /**
   * Stores a new passkey. A credential id already stored (the user's own, or
   * someone else's) fails on the unique index: UniqueConstraintViolationException.
   */
  async add(params: {
    userId: string;
    credentialId: string;
    publicKey: string;
    counter: number;
    transports: string[];
    name: string;
    now: Date;
  }): Promise<string> {
    const id = uuidv7();
    await this.insert({
      id,
      user: params.userId,
      credentialId: params.credentialId,
      publicKey: params.publicKey,
      counter: params.counter,
      transports: params.transports,
      name: params.name,
      createdAt: params.now,
      lastUsedAt: null,
    });
    return id;
  }

  findByCredentialId(credentialId: string): Promise<Passkey | null> {
    return this.findOne({ credentialId }, { populate: ['user'] });
  }

  /** After a verified sign-in: the counter the authenticator reported, and when. */
  async recordUse(id: string, counter: number, now: Date): Promise<void> {
    await this.nativeUpdate({ id }, { counter, lastUsedAt: now });
  }

  /** Deletes the passkey if it is the user's; false when there is no such passkey of theirs. */
  async removeOfUser(id: string, userId: string): Promise<boolean> {
    return (await this.nativeDelete({ id, user: userId })) === 1;
  }
}
