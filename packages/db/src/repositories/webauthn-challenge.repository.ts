import { EntityRepository } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { WebauthnChallenge, WebauthnChallengePurpose } from '../entities/webauthn-challenge.entity.js';

/**
 * Challenges are used by deleting them: the delete's affected row count
 * decides, so of two requests racing with one challenge (on one instance or
 * several) exactly one gets it.
 */
export class WebauthnChallengeRepository extends EntityRepository<WebauthnChallenge> {
  async issue(params: {
    challenge: string;
    purpose: WebauthnChallengePurpose;
    userId: string | null;
    expiresAt: Date;
    now: Date;
  }): Promise<string> {
    const id = uuidv7();
    await this.insert({
      id,
      challenge: params.challenge,
      purpose: params.purpose,
      user: params.userId,
      expiresAt: params.expiresAt,
      createdAt: params.now,
    });
    return id;
  }

  /** Uses the sign-in challenge `id`: its value if it was live (and now is not), else null. */
  async useById(id: string, now: Date): Promise<string | null> {
    const row = await this.findOne({ id, purpose: 'authentication' }, { fields: ['challenge'] });
    if (!row) return null;
    const deleted = await this.nativeDelete({ id, purpose: 'authentication', expiresAt: { $gt: now } });
    return deleted === 1 ? row.challenge : null;
  }

  /** Uses the registration challenge `challenge` issued to the user: true if it was live (and now is not). */
  async useForUser(challenge: string, userId: string, now: Date): Promise<boolean> {
    const deleted = await this.nativeDelete({
      challenge,
      purpose: 'registration',
      user: userId,
      expiresAt: { $gt: now },
    });
    return deleted === 1;
  }

  /** Deletes the challenges nobody can answer any more. */
  deleteExpired(now: Date): Promise<number> {
    return this.nativeDelete({ expiresAt: { $lte: now } });
  }
}
