import { EntityRepository } from '@mikro-orm/core';
import type { Session, SessionRevokeReason } from '../entities/session.entity.js';

export class SessionRepository extends EntityRepository<Session> {
  /** The session with its user, in one query, if it is neither revoked nor expired. */
  findAliveWithUser(id: string, now: Date): Promise<Session | null> {
    return this.findOne({ id, revokedAt: null, expiresAt: { $gt: now } }, { populate: ['user'], strategy: 'joined' });
  }

  /**
   * Swaps the session's current refresh token id for the next one, only if
   * `currentTokenId` is still the current one and the session is alive. This
   * conditional update is the whole concurrency story: of two refreshes racing
   * with one token, exactly one sees an affected row.
   */
  async rotateRefreshToken(params: {
    id: string;
    currentTokenId: string;
    nextTokenId: string;
    now: Date;
    expiresAt: Date;
  }): Promise<boolean> {
    const affected = await this.nativeUpdate(
      {
        id: params.id,
        refreshTokenId: params.currentTokenId,
        revokedAt: null,
        expiresAt: { $gt: params.now },
      },
      { refreshTokenId: params.nextTokenId, lastUsedAt: params.now, expiresAt: params.expiresAt },
    );
    return affected === 1;
  }

  /** Revokes one session; returns whether it was still alive. */
  async revoke(id: string, reason: SessionRevokeReason, now: Date): Promise<boolean> {
    const affected = await this.nativeUpdate({ id, revokedAt: null }, { revokedAt: now, revokedReason: reason });
    return affected === 1;
  }

  /** Revokes every live session of a user, except `keepSessionId` if given. */
  revokeAllOfUser(params: {
    userId: string;
    reason: SessionRevokeReason;
    now: Date;
    keepSessionId?: string;
  }): Promise<number> {
    return this.nativeUpdate(
      {
        user: params.userId,
        revokedAt: null,
        ...(params.keepSessionId ? { id: { $ne: params.keepSessionId } } : {}),
      },
      { revokedAt: params.now, revokedReason: params.reason },
    );
  }
}
