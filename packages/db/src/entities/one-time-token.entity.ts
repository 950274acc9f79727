import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { OneTimeTokenRepository } from '../repositories/one-time-token.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

export const ONE_TIME_TOKEN_PURPOSES = ['verify_email', 'reset_password'] as const;
export type OneTimeTokenPurpose = (typeof ONE_TIME_TOKEN_PURPOSES)[number];

/**
 * The emailed token of a user for one purpose: one row per (user, purpose),
 * so a new token replaces the previous one and at most one is ever live.
 * Only the SHA-256 of the token is stored.
 */
export const OneTimeTokenSchema = defineEntity({
  name: 'OneTimeToken',
  tableName: 'one_time_tokens',
  repository: () => OneTimeTokenRepository,
  uniques: [{ name: 'one_time_tokens_user_purpose_unique', properties: ['user', 'purpose'] }],
  properties: (p) => ({
    id: uuidPrimaryKey(),
    user: userReference(),
    purpose: p.enum([...ONE_TIME_TOKEN_PURPOSES]),
    /** Hex SHA-256 of the token. */
    tokenHash: p.string().length(64).unique('one_time_tokens_token_hash_unique'),
    /**
     * A verification token: the address it claims (the pending address, which
     * blocks nobody). A reset token: the verified address it was sent to; it
     * works only while that is still the account's address.
     */
    email: p.string().length(254).nullable(),
    expiresAt: p.datetime(3),
    usedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
  }),
});

export type OneTimeToken = InferEntity<typeof OneTimeTokenSchema>;
