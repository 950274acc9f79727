import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { SessionRepository } from '../repositories/session.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

export const SESSION_REVOKE_REASONS = [
  'logout',
  'logout_all',
  'password_change',
  'refresh_reuse',
  'user_disabled',
  /** Ended by a newer sign-in of the user past SESSION_MAX_PER_USER (the least recently used). */
  'session_limit',
  /** Ended by its user from the list of sessions (`user.revokeSession`). */
  'revoked_by_user',
] as const;

/** The longest user agent a session keeps (longer ones are cut). */
export const USER_AGENT_MAX_LENGTH = 255;
export type SessionRevokeReason = (typeof SESSION_REVOKE_REASONS)[number];

/** One row per login. Tokens name it in their `sid` claim. */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  repository: () => SessionRepository,
  properties: (p) => ({
    id: uuidPrimaryKey(),
    // Both rules explicit: MikroORM 7 infers neither, and the migrations made both cascade.
    user: userReference().index('sessions_user_id_index'),
    /** `jti` of the only refresh token that may still be exchanged. */
    refreshTokenId: p.string().length(36),
    /**
     * `jti` of the refresh token the last rotation retired, and when: within
     * the reuse grace it still answers with the current token (a client's
     * retry or two tabs refreshing at once), instead of looking stolen.
     */
    previousRefreshTokenId: p.string().length(36).nullable(),
    /** When the current refresh token was issued by a rotation (its `iat`); null before the first one. */
    rotatedAt: p.datetime(3).nullable(),
    // Indexed for the prune, which deletes by it.
    expiresAt: p.datetime(3).index('sessions_expires_at_index'),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    lastUsedAt: p.datetime(3).onCreate(() => new Date()),
    revokedAt: p.datetime(3).nullable(),
    revokedReason: p.enum([...SESSION_REVOKE_REASONS]).nullable(),
    /** The `User-Agent` of the sign-in, cut to its first USER_AGENT_MAX_LENGTH characters: shown in the user's list of sessions. */
    userAgent: p.string().length(USER_AGENT_MAX_LENGTH).nullable(),
  }),
});

export type Session = InferEntity<typeof SessionSchema>;
