import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { MfaChallengeRepository } from '../repositories/mfa-challenge.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

/**
 * A sign-in that passed the password step and waits for its second factor:
 * the `mfaToken` the client holds, stored as its SHA-256 only, with the
 * attempts spent on it. It works once and for a few minutes.
 */
export const MfaChallengeSchema = defineEntity({
  name: 'MfaChallenge',
  tableName: 'mfa_challenges',
  repository: () => MfaChallengeRepository,
  properties: (p) => ({
    id: uuidPrimaryKey(),
    user: userReference().index('mfa_challenges_user_id_index'),
    /** Hex SHA-256 of the mfaToken. */
    tokenHash: p.string().length(64).unique('mfa_challenges_token_hash_unique'),
    /** Codes tried with it, counted before each is checked. */
    attempts: p.integer().default(0),
    // Indexed for the prune, which deletes by it.
    expiresAt: p.datetime(3).index('mfa_challenges_expires_at_index'),
    usedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
  }),
});

export type MfaChallenge = InferEntity<typeof MfaChallengeSchema>;
