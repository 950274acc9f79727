import { EntityRepository } from '@mikro-orm/core';
import { readRows } from '../driver/index.js';
import type { Session, SessionRevokeReason } from '../entities/session.entity.js';
import type { UserRole } from '../entities/user.entity.js';
import { dateOf, type RawDate } from './raw-values.js';

/** Who a live session belongs to: plain data, read on every authenticated call. */
export interface SessionIdentity {
  sessionId: string;
  user: {
    id: string;
    username: string;
    role: UserRole;
    createdAt: Date;
    /** The user's own address: for the user alone (`user.me`), never for others. */
    email: string | null;
    emailVerifiedAt: Date | null;
    /** The address of the user's live verification link, if any (`user.me` shows it). */
    pendingEmail: string | null;
  };
}

// The per-request session check is the hottest query of the API: written by
// hand (the same SQL on MySQL and SQLite) and read as plain data, it skips the
// query building and entity hydration of an ORM findOne with a joined
// populate (figures: bench/README.md); `readRows` runs it prepared.
// It also reads the pending address (`user.me` shows it): at most one live
// verification token per user (the unique user/purpose index), so the left
// join adds no row, and `user.me` costs one round trip instead of two.
const IDENTITY_SQL =
  'select s.id as session_id, u.id as user_id, u.username, u.role, u.created_at, u.email, u.email_verified_at,' +
  ' t.email as pending_email' +
  ' from `sessions` s join `users` u on u.id = s.user_id' +
  " left join `one_time_tokens` t on t.user_id = u.id and t.purpose = 'verify_email'" +
  ' and t.used_at is null and t.expires_at > ?' +
  ' where s.id = ? and s.revoked_at is null and s.expires_at > ? and u.disabled_at is null';

interface IdentityRow {
  session_id: string;
  user_id: string;
  username: string;
  role: UserRole;
  created_at: RawDate;
  email: string | null;
  email_verified_at: RawDate | null;
  pending_email: string | null;
}

/** A live session as its user sees it in the list of sessions. */
export interface LiveSession {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
}

export class SessionRepository extends EntityRepository<Session> {
  /** The user's live sessions (neither revoked nor expired), the most recently used first. */
  async listLiveOfUser(userId: string, now: Date): Promise<LiveSession[]> {
    const rows = await this.find(
      { user: userId, revokedAt: null, expiresAt: { $gt: now } },
      { fields: ['id', 'createdAt', 'lastUsedAt', 'userAgent'], orderBy: { lastUsedAt: 'desc', id: 'desc' } },
    );
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
      userAgent: row.userAgent ?? null,
    }));
  }

  /**
   * Revokes one live session of the user; false when `id` is no live session
   * of theirs (another user's included: the condition names the owner).
   */
  async revokeOfUser(params: { id: string; userId: string; reason: SessionRevokeReason; now: Date }): Promise<boolean> {
    const affected = await this.nativeUpdate(
      { id: params.id, user: params.userId, revokedAt: null, expiresAt: { $gt: params.now } },
      { revokedAt: params.now, revokedReason: params.reason },
    );
    return affected === 1;
  }

  /**
   * The identity behind a session id, in one query, if the session is neither
   * revoked nor expired and its user is not disabled (a sign-in that raced an
   * admin's disable may have made a session after its sessions were revoked).
   * Read from the database on every call: a logout takes effect at once on
   * every instance.
   */
  async findLiveIdentity(id: string, now: Date): Promise<SessionIdentity | null> {
    const at = this.em.getPlatform().processDateProperty(now);
    const rows = await readRows<IdentityRow>(this.em, IDENTITY_SQL, [at, id, at]);
    const row = rows[0];
    if (!row) return null;
    return {
      sessionId: row.session_id,
      user: {
        id: row.user_id,
        username: row.username,
        role: row.role,
        createdAt: dateOf(row.created_at),
        email: row.email,
        emailVerifiedAt: row.email_verified_at === null ? null : dateOf(row.email_verified_at),
        pendingEmail: row.pending_email,
      },
    };
  }

  /** The session with its user, in one query, if it is neither revoked nor expired and its user is not disabled. */
  findAliveWithUser(id: string, now: Date, options: { isFresh?: boolean } = {}): Promise<Session | null> {
    return this.findOne(
      { id, revokedAt: null, expiresAt: { $gt: now }, user: { disabledAt: null } },
      // isFresh: read the row again even when this EntityManager has it (another request may have changed it).
      { populate: ['user'], strategy: 'joined', refresh: options.isFresh ?? false },
    );
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
      {
        refreshTokenId: params.nextTokenId,
        previousRefreshTokenId: params.currentTokenId,
        rotatedAt: params.now,
        lastUsedAt: params.now,
        expiresAt: params.expiresAt,
      },
    );
    return affected === 1;
  }

  /**
   * Ends the user's least recently used live sessions beyond `max`, never
   * `keepSessionId` (the sign-in that asks). Run after each new session is
   * stored, not before: each call sees at least every session stored before
   * it started, so however many sign-ins race, the last trim leaves at most
   * `max` live. Returns how many it ended.
   */
  async revokeLeastRecentlyUsed(params: {
    userId: string;
    keepSessionId: string;
    max: number;
    now: Date;
  }): Promise<number> {
    const others = await this.find(
      { user: params.userId, id: { $ne: params.keepSessionId }, revokedAt: null, expiresAt: { $gt: params.now } },
      { fields: ['id'], orderBy: { lastUsedAt: 'desc', id: 'desc' } },
    );
    const surplus = others.slice(Math.max(params.max - 1, 0)).map((session) => session.id);
    if (surplus.length === 0) return 0;
    return this.nativeUpdate(
      { id: { $in: surplus }, revokedAt: null },
      { revokedAt: params.now, revokedReason: 'session_limit' },
    );
  }

  /**
   * Deletes the sessions whose refresh token has expired. A revoked session
   * stays until then: a retired refresh token presented before its expiry
   * must still find its session, to be recognised as reuse.
   */
  deleteExpired(now: Date): Promise<number> {
    return this.nativeDelete({ expiresAt: { $lte: now } });
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
