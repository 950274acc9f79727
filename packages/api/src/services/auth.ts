import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { repositoriesOf, type SessionIdentity, USER_AGENT_MAX_LENGTH, type User, usernameKeyOf } from '@repo/db';
import { v7 as uuidv7 } from 'uuid';
import { AppError, invalidCredentials } from '../errors.js';
import type { MfaMethod, PublicUser, TokenPair } from '../fields.js';
import type { PasswordHasher } from './passwords.js';
import {
  ignoreSecurityEvents,
  type RequestInfo,
  type SecurityEvent,
  type SecurityEventSink,
} from './security-events.js';
import type { AuthThrottle, ThrottleKeys } from './throttle.js';
import type { TokenService } from './tokens.js';

/*
 * What the service takes and answers is declared here, not imported from the
 * procedures (the arrow is router -> service): each procedure's zod schema
 * says it on the wire, and the compiler holds the two together where the
 * resolver calls the service.
 */

/** What auth.login takes. */
export interface Credentials {
  username: string;
  password: string;
}
/** What auth.register takes. */
export interface RegisterInput extends Credentials {
  email?: string;
}
/** A signed-in device, as user.sessions answers it. */
export interface SessionInfo {
  id: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastUsedAt: string;
  userAgent: string | null;
  current: boolean;
}
/** What auth.login answers when the account has a second factor (no tokens yet). */
export interface MfaChallengeAnswer {
  mfaRequired: true;
  mfaToken: string;
  methods: MfaMethod[];
}

export interface AuthDeps {
  tokens: TokenService;
  passwords: PasswordHasher;
  throttle: AuthThrottle;
  /** Where security events go (the server logs them); dropped by default. */
  events?: SecurityEventSink;
  now?: () => Date;
  /** Live sessions per user: a sign-in past it ends the least recently used (default DEFAULT_SESSION_MAX_PER_USER). */
  sessionMaxPerUser?: number;
  /** How long after a rotation the retired refresh token still answers with the current one (default 0: never). */
  refreshReuseGraceMs?: number;
}

/** How long the mfaToken of a sign-in waiting for its second factor lives. */
export const MFA_CHALLENGE_TTL_MS = 5 * 60_000;

/** What a sign-in with the right password answers: a session, or the second-factor step. */
export type SignInResult = { mfaRequired: false; tokens: TokenPair } | MfaChallengeAnswer;

/** Who signs in, as the transport saw it: kept with the session for the list of sessions. */
export interface ClientInfo {
  userAgent?: string | undefined;
}

/** SESSION_MAX_PER_USER when unset. */
export const DEFAULT_SESSION_MAX_PER_USER = 20;

function throttled(message: string, retryAfterSeconds: number): AppError {
  return new AppError('THROTTLED', message, { retryAfterSeconds });
}

/** Who made a request: resolved from a valid access token and a live session. */
export type AuthIdentity = SessionIdentity;

export function toPublicUser(user: Pick<User, 'id' | 'username' | 'role' | 'createdAt'>): PublicUser {
  return { id: user.id, username: user.username, role: user.role, createdAt: user.createdAt.toISOString() };
}

/**
 * Registration, login, refresh rotation, logout and the per-request session
 * check. Every method takes the request's EntityManager fork.
 */
export class AuthService {
  readonly #now: () => Date;
  readonly #emit: SecurityEventSink;
  readonly #sessionMaxPerUser: number;
  readonly #refreshReuseGraceMs: number;

  constructor(private readonly deps: AuthDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#emit = deps.events ?? ignoreSecurityEvents;
    this.#sessionMaxPerUser = deps.sessionMaxPerUser ?? DEFAULT_SESSION_MAX_PER_USER;
    this.#refreshReuseGraceMs = deps.refreshReuseGraceMs ?? 0;
  }

  async register(
    em: EntityManager,
    credentials: RegisterInput,
    request: RequestInfo = {},
    client: ClientInfo = {},
  ): Promise<TokenPair> {
    // Counted before hashing: registration is no free bcrypt oracle.
    const wait = await this.deps.throttle.takeRegistration(request.clientAddress);
    if (wait > 0) {
      this.#emit({ type: 'register.throttled', ...request });
      throw throttled(`Too many registrations from this address; try again in ${wait} s`, wait);
    }
    const { users } = repositoriesOf(em);
    // The optional address is no part of the account yet: the email service
    // stores it as a pending claim after this (see the register procedure).
    const user = users.add({
      username: credentials.username,
      passwordHash: await this.deps.passwords.hash(credentials.password),
    });
    // One flush for user, session and audit row: a taken name (unique index) stores none of them.
    const pair = await this.#startSession(em, user, client, request, (sessionId) => ({
      type: 'register',
      userId: user.id,
      sessionId,
      ...request,
    }));
    return pair.tokens;
  }

  /**
   * Checks the password. Right, and the account has a second factor: no
   * session yet, but a challenge (the `mfaToken`), and the failures counted
   * against the username stay until the factor is verified too.
   */
  async login(
    em: EntityManager,
    credentials: Credentials,
    request: RequestInfo = {},
    client: ClientInfo = {},
  ): Promise<SignInResult> {
    const keys = { username: usernameKeyOf(credentials.username), address: request.clientAddress };
    await this.takePasswordAttempt(keys, 'login.throttled', request);
    const user = await repositoriesOf(em).users.findByUsernameWithHash(credentials.username);
    const isValid = user
      ? await this.deps.passwords.verify(credentials.password, user.passwordHash)
      : await this.deps.passwords.verifyUnknownUser(credentials.password);
    if (!user || !isValid) {
      this.#emit({ type: 'login.failed', username: keys.username, ...(user ? { userId: user.id } : {}), ...request });
      throw invalidCredentials();
    }
    if (user.disabledAt) {
      // Checked after the password, and answered like a wrong one: the answer
      // tells no one without the password that the account exists.
      this.#emit({ type: 'login.disabled', username: keys.username, userId: user.id, ...request });
      throw invalidCredentials();
    }
    if (this.deps.passwords.isWeakerThanCost(user.passwordHash)) {
      // BCRYPT_COST was raised: every user who signs in gets the stronger hash.
      const passwordHash = await this.deps.passwords.hash(credentials.password);
      await repositoriesOf(em).users.nativeUpdate({ id: user.id }, { passwordHash });
    }
    const challenge = await this.#challengeIfSecondFactor(em, user.id, request);
    if (challenge) return challenge;
    await this.deps.throttle.passwordAccepted(keys);
    return { mfaRequired: false, tokens: await this.completeSignIn(em, user, request, client) };
  }

  /** A challenge for the second factor when the user has one, with the methods the user can answer with. */
  async #challengeIfSecondFactor(
    em: EntityManager,
    userId: string,
    request: RequestInfo,
  ): Promise<MfaChallengeAnswer | null> {
    const { totpCredentials, recoveryCodes } = repositoriesOf(em);
    if (!(await totpCredentials.isEnabledFor(userId))) return null;
    const methods: MfaMethod[] = ['totp'];
    if ((await recoveryCodes.countUnused(userId)) > 0) methods.push('recovery');
    const mfaToken = randomBytes(32).toString('base64url');
    const now = this.#now();
    // The challenge and its audit row commit together, or neither is stored.
    await em.transactional(async (tx) => {
      await repositoriesOf(tx).mfaChallenges.add({
        userId,
        tokenHash: hashMfaToken(mfaToken),
        expiresAt: new Date(now.getTime() + MFA_CHALLENGE_TTL_MS),
        now,
      });
      this.#emit({ type: 'mfa.challenged', userId, ...request }, tx);
    });
    return { mfaRequired: true, mfaToken, methods };
  }

  /**
   * Starts the session of a sign-in whose every factor checked out: a
   * password (and its second factor), or a passkey (`method`).
   */
  async completeSignIn(
    em: EntityManager,
    user: User,
    request: RequestInfo,
    client: ClientInfo,
    method?: 'passkey',
  ): Promise<TokenPair> {
    const pair = await this.#startSession(em, user, client, request, (sessionId) => ({
      type: 'login.succeeded',
      userId: user.id,
      sessionId,
      ...(method ? { method } : {}),
      ...request,
    }));
    return pair.tokens;
  }

  /** The caller's live sessions, the most recently used first, the caller's own marked `current`. */
  async listSessions(em: EntityManager, identity: AuthIdentity): Promise<SessionInfo[]> {
    const sessions = await repositoriesOf(em).sessions.listLiveOfUser(identity.user.id, this.#now());
    return sessions.map((session) => ({
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      userAgent: session.userAgent,
      current: session.id === identity.sessionId,
    }));
  }

  /** Ends one of the caller's live sessions at once; 404 for any other id, another user's included. */
  async revokeSession(
    em: EntityManager,
    identity: AuthIdentity,
    sessionId: string,
    request: RequestInfo = {},
  ): Promise<void> {
    const isRevoked = await em.transactional(async (tx) => {
      const isEnded = await repositoriesOf(tx).sessions.revokeOfUser({
        id: sessionId,
        userId: identity.user.id,
        reason: 'revoked_by_user',
        now: this.#now(),
      });
      if (isEnded) this.#emit({ type: 'session.revoked', userId: identity.user.id, sessionId, ...request }, tx);
      return isEnded;
    });
    if (!isRevoked) throw new AppError('SESSION_NOT_FOUND', 'No such session');
  }

  async refresh(em: EntityManager, refreshToken: string, request: RequestInfo = {}): Promise<TokenPair> {
    const claims = this.deps.tokens.verifyRefreshToken(refreshToken);
    const { sessions } = repositoriesOf(em);
    const now = this.#now();
    const session = await sessions.findAliveWithUser(claims.sessionId, now);
    if (!session || session.user.id !== claims.userId) {
      throw new AppError('SESSION_REVOKED', 'The session has ended; sign in again');
    }
    const nextTokenId = uuidv7();
    // Never past the session's maximum age, however often it is refreshed.
    const expiresAt = this.deps.tokens.refreshExpiry(now, session.createdAt);
    // The conditional update decides, not the read above: of two refreshes
    // racing with one token, exactly one rotates; the other then holds a
    // retired token, like a thief would.
    const isRotated =
      session.refreshTokenId === claims.tokenId &&
      (await sessions.rotateRefreshToken({
        id: session.id,
        currentTokenId: claims.tokenId,
        nextTokenId,
        now,
        expiresAt,
      }));
    if (!isRotated) {
      const replayed = await this.#replayWithinGrace(em, session.id, claims.tokenId, now);
      if (replayed) {
        this.#emit({ type: 'refresh.reuse_within_grace', userId: session.user.id, sessionId: session.id, ...request });
        return replayed;
      }
      // A retired refresh token came back: whoever holds it, the session is
      // no longer trustworthy. End it, for the thief and the owner alike
      // (the audit row in the revocation's transaction).
      await em.transactional(async (tx) => {
        await repositoriesOf(tx).sessions.revoke(session.id, 'refresh_reuse', now);
        this.#emit(
          {
            type: 'refresh.reuse_detected',
            userId: session.user.id,
            sessionId: session.id,
            revokedSessions: 1,
            ...request,
          },
          tx,
        );
      });
      throw new AppError('SESSION_REVOKED', 'Refresh token reuse detected; the session has been revoked');
    }
    return this.#issuePair(session.user, session.id, nextTokenId, now, expiresAt);
  }

  /**
   * The session's current token pair, when `tokenId` is the refresh token its
   * last rotation retired and that rotation is younger than the reuse grace:
   * a client's retry, or two tabs refreshing with one cookie, gets what the
   * first request got instead of being signed out. Else null (reuse).
   */
  async #replayWithinGrace(
    em: EntityManager,
    sessionId: string,
    tokenId: string,
    now: Date,
  ): Promise<TokenPair | null> {
    if (this.#refreshReuseGraceMs <= 0) return null;
    // Read again: the rotation that retired this token may have committed after the first read.
    const session = await repositoriesOf(em).sessions.findAliveWithUser(sessionId, now, { isFresh: true });
    if (
      !session?.rotatedAt ||
      session.previousRefreshTokenId !== tokenId ||
      now.getTime() - session.rotatedAt.getTime() >= this.#refreshReuseGraceMs
    ) {
      return null;
    }
    // The same claims (jti, iat = the rotation, exp = the session's) signed
    // with the same key: HS256 makes the very token the rotation answered,
    // not a new branch of the session.
    return this.#issuePair(session.user, session.id, session.refreshTokenId, now, session.expiresAt, session.rotatedAt);
  }

  /**
   * A session for a user an identity provider vouched for (the one-time code
   * of its callback was spent): a complete sign-in, as a password's is.
   */
  async signInWithProvider(
    em: EntityManager,
    user: User,
    provider: string,
    request: RequestInfo = {},
    client: ClientInfo = {},
  ): Promise<TokenPair> {
    if (user.disabledAt) {
      this.#emit({ type: 'login.disabled', userId: user.id, provider, ...request });
      throw new AppError('INVALID_INPUT', 'code: is invalid, expired or used', { field: 'code' });
    }
    const pair = await this.#startSession(em, user, client, request, (sessionId) => ({
      type: 'oidc.exchanged',
      userId: user.id,
      sessionId,
      provider,
      ...request,
    }));
    return pair.tokens;
  }

  /**
   * The user a refresh token's live session belongs to, or null for a token
   * that is invalid, expired or of an ended session. (The link flow checks
   * with it that the browser starting a link is signed in to that account.)
   */
  async userOfRefreshToken(em: EntityManager, refreshToken: string): Promise<string | null> {
    let claims: ReturnType<TokenService['verifyRefreshToken']>;
    try {
      claims = this.deps.tokens.verifyRefreshToken(refreshToken);
    } catch {
      return null;
    }
    const session = await repositoriesOf(em).sessions.findAliveWithUser(claims.sessionId, this.#now());
    return session && session.user.id === claims.userId ? session.user.id : null;
  }

  /** Verifies an access token and checks in the database that its session is alive. */
  async authenticate(em: EntityManager, accessToken: string): Promise<AuthIdentity> {
    const claims = this.deps.tokens.verifyAccessToken(accessToken);
    const identity = await repositoriesOf(em).sessions.findLiveIdentity(claims.sessionId, this.#now());
    if (!identity || identity.user.id !== claims.userId) {
      throw new AppError('SESSION_REVOKED', 'The session has ended; sign in again');
    }
    return identity;
  }

  async logout(em: EntityManager, identity: AuthIdentity, request: RequestInfo = {}): Promise<void> {
    await em.transactional(async (tx) => {
      await repositoriesOf(tx).sessions.revoke(identity.sessionId, 'logout', this.#now());
      this.#emit({ type: 'logout', userId: identity.user.id, sessionId: identity.sessionId, ...request }, tx);
    });
  }

  async logoutAll(em: EntityManager, identity: AuthIdentity, request: RequestInfo = {}): Promise<number> {
    return em.transactional(async (tx) => {
      const revokedSessions = await repositoriesOf(tx).sessions.revokeAllOfUser({
        userId: identity.user.id,
        reason: 'logout_all',
        now: this.#now(),
      });
      this.#emit(
        { type: 'logout_all', userId: identity.user.id, sessionId: identity.sessionId, revokedSessions, ...request },
        tx,
      );
      return revokedSessions;
    });
  }

  /** Changes the password, ends every other session of the user and retires every link mailed to it. */
  async changePassword(
    em: EntityManager,
    identity: AuthIdentity,
    input: { currentPassword: string; newPassword: string },
    request: RequestInfo = {},
  ): Promise<number> {
    const user = await this.confirmCurrentPassword(em, identity, input.currentPassword, request);
    const passwordHash = await this.deps.passwords.hash(input.newPassword);
    const now = this.#now();
    const revokedSessions = await em.transactional(async (tx) => {
      const repos = repositoriesOf(tx);
      await repos.users.nativeUpdate({ id: user.id }, { passwordHash, passwordChangedAt: now, updatedAt: now });
      await repos.oneTimeTokens.retireAll(user.id, now);
      const revoked = await repos.sessions.revokeAllOfUser({
        userId: user.id,
        reason: 'password_change',
        now,
        keepSessionId: identity.sessionId,
      });
      // In the transaction: the audit row commits with the change, or neither does.
      this.#emit(
        {
          type: 'password.changed',
          userId: user.id,
          sessionId: identity.sessionId,
          revokedSessions: revoked,
          ...request,
        },
        tx,
      );
      return revoked;
    });
    return revokedSessions;
  }

  /**
   * Checks the signed-in user's password before a sensitive change (password,
   * email). A second way to guess the password: it spends the same budget as
   * login. Returns the user, with its hash.
   */
  async confirmCurrentPassword(
    em: EntityManager,
    identity: AuthIdentity,
    currentPassword: string,
    request: RequestInfo = {},
  ): Promise<User> {
    const user = await repositoriesOf(em).users.findByIdWithHash(identity.user.id);
    if (!user) throw new AppError('SESSION_REVOKED', 'The session has ended; sign in again');
    const keys = { username: usernameKeyOf(user.username), address: request.clientAddress };
    await this.takePasswordAttempt(keys, 'password.throttled', request);
    if (!(await this.deps.passwords.verify(currentPassword, user.passwordHash))) {
      this.#emit({ type: 'password.failed', userId: user.id, sessionId: identity.sessionId, ...request });
      // 400 naming the field, not 401: a 401 means "your token is bad" to clients.
      throw new AppError('INVALID_INPUT', 'currentPassword: is incorrect', { field: 'currentPassword' });
    }
    await this.deps.throttle.passwordAccepted(keys);
    return user;
  }

  /**
   * Takes an attempt from the password budgets before any comparison (of a
   * password or a second-factor code); throws THROTTLED when one is spent.
   */
  async takePasswordAttempt(
    keys: ThrottleKeys,
    event: 'login.throttled' | 'password.throttled',
    request: RequestInfo,
  ): Promise<void> {
    const wait = await this.deps.throttle.takePasswordAttempt(keys);
    if (wait === 0) return;
    this.#emit({ type: event, username: keys.username, ...request });
    throw throttled(`Too many failed password attempts; try again in ${wait} s`, wait);
  }

  /** Every factor checked out: the username's failures are cleared (AuthThrottle.passwordAccepted). */
  passwordAccepted(keys: ThrottleKeys): Promise<void> {
    return this.deps.throttle.passwordAccepted(keys);
  }

  /**
   * Stores a new session with the audit row of the sign-in that made it
   * (`eventOf`, told the session id) in one flush: both are stored or
   * neither is. Then ends the sessions past the limit, in a transaction of
   * its own with its `session.revoked` row.
   */
  async #startSession(
    em: EntityManager,
    user: User,
    client: ClientInfo,
    request: RequestInfo,
    eventOf: (sessionId: string) => SecurityEvent,
  ): Promise<{ tokens: TokenPair; sessionId: string }> {
    const now = this.#now();
    const refreshTokenId = uuidv7();
    const expiresAt = this.deps.tokens.refreshExpiry(now, now);
    const session = repositoriesOf(em).sessions.create({
      id: uuidv7(),
      user,
      refreshTokenId,
      expiresAt,
      createdAt: now,
      lastUsedAt: now,
      revokedAt: null,
      revokedReason: null,
      userAgent: client.userAgent ? client.userAgent.slice(0, USER_AGENT_MAX_LENGTH) : null,
    });
    this.#emit(eventOf(session.id), em);
    await em.flush();
    // After the insert has committed, so that racing sign-ins of one user
    // converge on the limit (see revokeLeastRecentlyUsed): not in its flush.
    await em.transactional(async (tx) => {
      const revokedSessions = await repositoriesOf(tx).sessions.revokeLeastRecentlyUsed({
        userId: user.id,
        keepSessionId: session.id,
        max: this.#sessionMaxPerUser,
        now,
      });
      if (revokedSessions > 0) {
        this.#emit(
          { type: 'session.revoked', userId: user.id, reason: 'session_limit', revokedSessions, ...request },
          tx,
        );
      }
    });
    return { tokens: this.#issuePair(user, session.id, refreshTokenId, now, expiresAt), sessionId: session.id };
  }

  /** A new access token, and the refresh token `refreshTokenId` as issued at `refreshIssuedAt`. */
  #issuePair(
    user: User,
    sessionId: string,
    refreshTokenId: string,
    now: Date,
    expiresAt: Date,
    refreshIssuedAt: Date = now,
  ): TokenPair {
    const subject = { userId: user.id, sessionId };
    const access = this.deps.tokens.issueAccessToken(subject, now);
    const refresh = this.deps.tokens.issueRefreshToken(subject, refreshTokenId, refreshIssuedAt, expiresAt);
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      tokenType: 'Bearer',
      expiresAt: access.expiresAt,
      refreshExpiresAt: refresh.expiresAt,
      user: toPublicUser(user),
    };
  }
}

/** SHA-256, hex: the only form in which an mfaToken is stored. */
export function hashMfaToken(mfaToken: string): string {
  return createHash('sha256').update(mfaToken).digest('hex');
}
