import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EntityManager, IsolationLevel, UniqueConstraintViolationException } from '@mikro-orm/core';
import { emailKeyOf, type OneTimeTokenPurpose, repositoriesOf } from '@repo/db';
import { AppError } from '../errors.js';
import type { AuthIdentity, AuthService } from './auth.js';
import type { MailContext, MailMessage, MailOutbox } from './mail.js';
import type { PasswordHasher } from './passwords.js';
import {
  ignoreSecurityEvents,
  type RequestInfo,
  type SecurityEvent,
  type SecurityEventSink,
} from './security-events.js';
import type { AuthThrottle } from './throttle.js';

/** A reset link works for 30 minutes, a verification link for 24 hours. */
export const RESET_TOKEN_TTL_MS = 30 * 60_000;
export const VERIFY_TOKEN_TTL_MS = 24 * 3_600_000;
/**
 * A password-reset request is answered no sooner than this after it arrived,
 * whether the address is unknown (one read) or gets a link (a read, a write
 * and a mail handed to the background): the time tells nothing.
 */
export const DEFAULT_RESET_REQUEST_MIN_MS = 250;

export interface AccountEmailDeps {
  auth: AuthService;
  passwords: PasswordHasher;
  throttle: AuthThrottle;
  /** Undefined when the server has no way to send mail: every email procedure then answers 503. */
  outbox: MailOutbox | undefined;
  /** The web app's base URL; links are `<appUrl>#/reset-password?token=…` and `#/verify-email?token=…`. */
  appUrl: string;
  resetRequestMinMs?: number;
  events?: SecurityEventSink;
  now?: () => Date;
}

/** SHA-256, hex: the only form in which an emailed token is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function invalidToken(): AppError {
  return new AppError('INVALID_INPUT', 'token: is invalid, expired or already used', { field: 'token' });
}

function throttled(message: string, retryAfterSeconds: number): AppError {
  return new AppError('THROTTLED', message, { retryAfterSeconds });
}

/**
 * The address of an account and what it is for: verification links, and
 * password resets by a link sent to a verified address.
 */
export class AccountEmailService {
  readonly #now: () => Date;
  readonly #emit: SecurityEventSink;

  constructor(private readonly deps: AccountEmailDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#emit = deps.events ?? ignoreSecurityEvents;
  }

  /** Waits for the mails being sent (tests, shutdown). */
  async idle(): Promise<void> {
    await this.deps.outbox?.idle();
  }

  /** After a registration with an address: a pending claim on it, if mail can be sent. */
  async afterRegistration(em: EntityManager, userId: string, email: string, request: RequestInfo = {}): Promise<void> {
    if (!this.deps.outbox) return;
    const user = await repositoriesOf(em).users.findOneOrFail({ id: userId });
    if ((await this.deps.throttle.takeVerificationMail(user.id)) > 0) return;
    await this.#claim(em, user, email, request);
  }

  /**
   * Claims a new address (current password required): a pending claim that
   * blocks nobody, and its verification link. The verified address stays the
   * account's until the link is followed. Every link mailed before is retired.
   */
  async setEmail(
    em: EntityManager,
    identity: AuthIdentity,
    input: { email: string; currentPassword: string },
    request: RequestInfo = {},
  ): Promise<void> {
    this.#requireMail();
    const user = await this.deps.auth.confirmCurrentPassword(em, identity, input.currentPassword, request);
    const isVerified = user.emailKey === emailKeyOf(input.email);
    // Back to the verified address: whatever was pending is dropped, nothing is mailed.
    if (!isVerified) await this.#takeVerificationMail(user.id, request);
    // A reset link mailed before the change dies with it, as does a link for an earlier claim
    // (the audit row in the same transaction).
    await em.transactional(async (tx) => {
      await repositoriesOf(tx).oneTimeTokens.retireAll(user.id, this.#now());
      this.#emit({ type: 'email.set', userId: user.id, sessionId: identity.sessionId, ...request }, tx);
    });
    if (!isVerified) await this.#claim(em, user, input.email, request);
  }

  /** Sends the link of the pending address again (a new link retires the previous one). */
  async resendVerification(em: EntityManager, identity: AuthIdentity, request: RequestInfo = {}): Promise<void> {
    this.#requireMail();
    const { users, oneTimeTokens } = repositoriesOf(em);
    const pending = await oneTimeTokens.pendingEmailOf(identity.user.id, this.#now());
    if (!pending) {
      throw new AppError('INVALID_INPUT', 'email: there is no address waiting for its link', { field: 'email' });
    }
    await this.#takeVerificationMail(identity.user.id, request);
    await this.#claim(em, await users.findOneOrFail({ id: identity.user.id }), pending, request);
  }

  /**
   * Follows a verification link: its address becomes the account's verified
   * one, unless another account verified it first (409, and nothing changes:
   * not even the token is spent). The previous address gets a notice.
   */
  async verifyEmail(em: EntityManager, token: string, request: RequestInfo = {}): Promise<void> {
    this.#requireMail();
    const now = this.#now();
    const result = await em.transactional(async (tx) => {
      const repos = repositoriesOf(tx);
      const spent = await repos.oneTimeTokens.spend(hashToken(token), 'verify_email', now);
      if (!spent?.email) return null;
      const user = await repos.users.findOneOrFail({ id: spent.userId }, { fields: ['username', 'email'] });
      const previous = user.email;
      try {
        // The unique index decides, not a read: of two accounts racing for one address, one wins.
        await repos.users.setVerifiedEmail(spent.userId, spent.email, now);
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        // Thrown, so the transaction rolls back the token's spend too.
        throw new AppError('EMAIL_TAKEN', 'email: is already verified on another account', { field: 'email' });
      }
      // In the transaction: the audit row commits with the address, or neither does.
      this.#emit({ type: 'email.verified', userId: spent.userId, ...request }, tx);
      return { userId: spent.userId, username: user.username, email: spent.email, previous };
    });
    if (!result) {
      this.#emit({ type: 'token.refused', purpose: 'verify_email', ...request });
      throw invalidToken();
    }
    if (result.previous && emailKeyOf(result.previous) !== emailKeyOf(result.email)) {
      this.#dispatch(changedMessage(result.previous, result.username, this.#link('forgot-password')), {
        userId: result.userId,
        purpose: 'email_changed',
      });
    }
  }

  /**
   * Sends a reset link if the address is an account's verified address. The
   * answer is the same, in about the same time, whatever the address.
   */
  async requestPasswordReset(em: EntityManager, email: string, request: RequestInfo = {}): Promise<void> {
    this.#requireMail();
    const started = performance.now();
    const budget = await this.deps.throttle.takePasswordResetRequest({
      email: emailKeyOf(email),
      address: request.clientAddress,
    });
    const wait = budget.retryAfterSeconds;
    if (wait > 0) {
      this.#emit({ type: 'password_reset.throttled', ...request });
      throw throttled(`Too many password reset requests; try again in ${wait} s`, wait);
    }
    try {
      // The address had its share this window: answered as any request (the
      // asker may be a stranger), and nothing is sent.
      if (!budget.maySend) {
        this.#emit({ type: 'password_reset.suppressed', ...request });
        return;
      }
      const user = await repositoriesOf(em).users.findByEmail(email);
      // A disabled account gets no link: it could not sign in with the new password anyway.
      // Only verified addresses are in `users.email`: a pending claim gets no reset link.
      if (user?.email && !user.disabledAt) {
        // Bound to the address: the link dies if the account's verified address changes.
        const token = await this.#issueToken(em, user.id, 'reset_password', user.email, RESET_TOKEN_TTL_MS, {
          type: 'password_reset.requested',
          userId: user.id,
          ...request,
        });
        this.#dispatch(resetMessage(user.email, user.username, this.#link('reset-password', token)), {
          userId: user.id,
          purpose: 'reset_password',
        });
      } else {
        this.#emit({ type: 'password_reset.requested', ...request });
      }
    } finally {
      const left = (this.deps.resetRequestMinMs ?? DEFAULT_RESET_REQUEST_MIN_MS) - (performance.now() - started);
      if (left > 0) await sleep(left);
    }
  }

  /**
   * Sets the new password with a reset token (once, and only while the
   * account's verified address is the one the link was sent to), ends every
   * session of the user and retires every other link.
   */
  async resetPassword(
    em: EntityManager,
    input: { token: string; newPassword: string },
    request: RequestInfo = {},
  ): Promise<number> {
    this.#requireMail();
    const tokenHash = hashToken(input.token);
    const { oneTimeTokens } = repositoriesOf(em);
    // A cheap look first: an invalid token costs no bcrypt run.
    const now = this.#now();
    const live = await oneTimeTokens.count({
      tokenHash,
      purpose: 'reset_password',
      usedAt: null,
      expiresAt: { $gt: now },
    });
    if (live === 0) {
      this.#emit({ type: 'token.refused', purpose: 'reset_password', ...request });
      throw invalidToken();
    }
    const passwordHash = await this.deps.passwords.hash(input.newPassword);
    const result = await em.transactional(async (tx) => {
      const repos = repositoriesOf(tx);
      // The conditional update decides: of two resets racing with one token, one wins.
      const spent = await repos.oneTimeTokens.spend(tokenHash, 'reset_password', now);
      if (!spent?.email) return null;
      const owner = await repos.users.findOne({ id: spent.userId, emailKey: emailKeyOf(spent.email) });
      if (!owner) return null;
      await repos.oneTimeTokens.retireAll(spent.userId, now);
      await repos.users.nativeUpdate({ id: spent.userId }, { passwordHash, passwordChangedAt: now, updatedAt: now });
      const revokedSessions = await repos.sessions.revokeAllOfUser({
        userId: spent.userId,
        reason: 'password_change',
        now,
      });
      // In the transaction: the audit row commits with the reset, or neither does.
      this.#emit({ type: 'password_reset.completed', userId: spent.userId, revokedSessions, ...request }, tx);
      return { userId: spent.userId, revokedSessions };
    });
    if (!result) {
      this.#emit({ type: 'token.refused', purpose: 'reset_password', ...request });
      throw invalidToken();
    }
    // Whoever holds the mailbox proved to be the owner: failed guesses before no longer count.
    const user = await repositoriesOf(em).users.findOneOrFail({ id: result.userId });
    await this.deps.throttle.passwordAccepted({ username: user.usernameKey });
    return result.revokedSessions;
  }

  /**
   * Stores a pending claim on the address (the verification token row) and
   * mails its link; but when another account has the address verified, that
   * mailbox gets a notice instead and no link goes out. The caller sees the
   * same either way (same answer, same claim in `user.me`): nothing tells
   * whether an address is registered.
   */
  async #claim(
    em: EntityManager,
    user: { id: string; username: string },
    email: string,
    request: RequestInfo,
  ): Promise<void> {
    if (!this.deps.outbox) return;
    const token = await this.#issueToken(em, user.id, 'verify_email', email, VERIFY_TOKEN_TTL_MS, {
      type: 'email.verification_sent',
      userId: user.id,
      ...request,
    });
    const owner = await repositoriesOf(em).users.findByEmail(email);
    if (owner && owner.id !== user.id) {
      this.#dispatch(inUseMessage(email, owner.username, this.#link('forgot-password')), {
        userId: user.id,
        purpose: 'email_in_use',
      });
    } else {
      this.#dispatch(verifyMessage(email, user.username, this.#link('verify-email', token)), {
        userId: user.id,
        purpose: 'verify_email',
      });
    }
  }

  /**
   * A new token replaces the user's previous one of the purpose; only its
   * hash is stored, in one transaction with the event's audit row. The
   * replacement is one statement, and the transaction reads committed rows
   * only: on MySQL it holds no gap lock that another user's first link could
   * wait on, so links issued at once never deadlock (email.test.ts).
   */
  async #issueToken(
    em: EntityManager,
    userId: string,
    purpose: OneTimeTokenPurpose,
    email: string | null,
    ttlMs: number,
    event: SecurityEvent,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    await em.transactional(
      async (tx) => {
        await repositoriesOf(tx).oneTimeTokens.replace({
          userId,
          purpose,
          tokenHash: hashToken(token),
          email,
          expiresAt: new Date(now.getTime() + ttlMs),
          now,
        });
        this.#emit(event, tx);
      },
      { isolationLevel: IsolationLevel.READ_COMMITTED },
    );
    return token;
  }

  async #takeVerificationMail(userId: string, request: RequestInfo): Promise<void> {
    const wait = await this.deps.throttle.takeVerificationMail(userId);
    if (wait === 0) return;
    this.#emit({ type: 'email.verification_throttled', userId, ...request });
    throw throttled(`Too many verification emails; try again in ${wait} s`, wait);
  }

  #dispatch(message: MailMessage, context: MailContext): void {
    this.deps.outbox?.dispatch(message, context);
  }

  #link(screen: 'reset-password' | 'verify-email' | 'forgot-password', token?: string): string {
    const url = new URL(this.deps.appUrl);
    url.hash = token === undefined ? `/${screen}` : `/${screen}?token=${token}`;
    return url.toString();
  }

  #requireMail(): void {
    if (!this.deps.outbox) {
      throw new AppError('EMAIL_UNAVAILABLE', 'Email is not configured on this server (SMTP_URL is not set)');
    }
  }
}

function verifyMessage(to: string, username: string, link: string): MailMessage {
  return {
    to,
    subject: 'Confirm your email address',
    text:
      `Hello ${username},\n\nTo confirm that ${to} is your address, open this link within 24 hours:\n\n${link}\n\n` +
      'If you did not ask for this, ignore this message.\n',
  };
}

function resetMessage(to: string, username: string, link: string): MailMessage {
  return {
    to,
    subject: 'Reset your password',
    text:
      `Hello ${username},\n\nTo choose a new password, open this link within 30 minutes:\n\n${link}\n\n` +
      'It works once, and signs you out everywhere. If you did not ask for this, ignore this message: ' +
      'your password stays the same.\n',
  };
}

function inUseMessage(to: string, username: string, forgotLink: string): MailMessage {
  return {
    to,
    subject: 'Your email address is already in use',
    text:
      `Hello ${username},\n\nSomeone asked to use ${to} for another account. It stays the address of your account ` +
      `(${username}), and no other account can take it.\n\n` +
      `If that was you and you have forgotten your password, choose a new one here:\n\n${forgotLink}\n\n` +
      'Otherwise, ignore this message.\n',
  };
}

function changedMessage(to: string, username: string, forgotLink: string): MailMessage {
  return {
    to,
    subject: 'Your email address was changed',
    text:
      `Hello ${username},\n\nYour account (${username}) now has a new email address, confirmed through its link; ` +
      `${to} no longer receives its mail or its password-reset links.\n\n` +
      `If you did not make this change, someone else may have your password: sign in and change it, or ask for a reset at ${forgotLink}\n`,
  };
}
