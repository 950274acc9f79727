import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/core';
import { emailKeyOf, type OneTimeTokenPurpose, repositoriesOf } from '@repo/db';
import { AppError } from '../errors.js';
import type { AuthIdentity, AuthService } from './auth.js';
import type { MailMessage, MailOutbox } from './mail.js';
import type { PasswordHasher } from './passwords.js';
import { ignoreSecurityEvents, type RequestInfo, type SecurityEventSink } from './security-events.js';
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

  /** After a registration with an address: its verification link, if mail can be sent. */
  async afterRegistration(em: EntityManager, userId: string, request: RequestInfo = {}): Promise<void> {
    if (!this.deps.outbox) return;
    const user = await repositoriesOf(em).users.findOneOrFail({ id: userId });
    if (!user.email) return;
    if ((await this.deps.throttle.takeVerificationMail(user.id)) > 0) return;
    await this.#sendVerification(em, { id: user.id, username: user.username, email: user.email }, request);
  }

  /** Sets a new, unverified address (current password required) and sends its verification link. */
  async setEmail(
    em: EntityManager,
    identity: AuthIdentity,
    input: { email: string; currentPassword: string },
    request: RequestInfo = {},
  ): Promise<void> {
    this.#requireMail();
    const user = await this.deps.auth.confirmCurrentPassword(em, identity, input.currentPassword, request);
    const isSame = user.emailKey === emailKeyOf(input.email);
    if (isSame && user.emailVerifiedAt) return;
    await this.#takeVerificationMail(user.id, request);
    const now = this.#now();
    // The unique index refuses a taken address (409); the old address's link stops working.
    if (!isSame || user.email !== input.email) await repositoriesOf(em).users.setEmail(user.id, input.email, now);
    this.#emit({ type: 'email.set', userId: user.id, sessionId: identity.sessionId, ...request });
    await this.#sendVerification(em, { id: user.id, username: user.username, email: input.email }, request);
  }

  async resendVerification(em: EntityManager, identity: AuthIdentity, request: RequestInfo = {}): Promise<void> {
    this.#requireMail();
    const user = await repositoriesOf(em).users.findOneOrFail({ id: identity.user.id });
    if (!user.email) throw new AppError('INVALID_INPUT', 'email: there is no address to verify', { field: 'email' });
    if (user.emailVerifiedAt) throw new AppError('INVALID_INPUT', 'email: is already verified', { field: 'email' });
    await this.#takeVerificationMail(user.id, request);
    await this.#sendVerification(em, { id: user.id, username: user.username, email: user.email }, request);
  }

  async verifyEmail(em: EntityManager, token: string, request: RequestInfo = {}): Promise<void> {
    this.#requireMail();
    const now = this.#now();
    const spent = await repositoriesOf(em).oneTimeTokens.spend(hashToken(token), 'verify_email', now);
    // The address the link was sent to must still be the account's.
    if (!spent?.email || !(await repositoriesOf(em).users.markEmailVerified(spent.userId, spent.email, now))) {
      this.#emit({ type: 'token.refused', purpose: 'verify_email', ...request });
      throw invalidToken();
    }
    this.#emit({ type: 'email.verified', userId: spent.userId, ...request });
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
      if (user?.email && user.emailVerifiedAt && !user.disabledAt) {
        const token = await this.#issueToken(em, user.id, 'reset_password', null, RESET_TOKEN_TTL_MS);
        this.#dispatch(resetMessage(user.email, user.username, this.#link('reset-password', token)), {
          userId: user.id,
          purpose: 'reset_password',
        });
        this.#emit({ type: 'password_reset.requested', userId: user.id, ...request });
      } else {
        this.#emit({ type: 'password_reset.requested', ...request });
      }
    } finally {
      const left = (this.deps.resetRequestMinMs ?? DEFAULT_RESET_REQUEST_MIN_MS) - (performance.now() - started);
      if (left > 0) await sleep(left);
    }
  }

  /** Sets the new password with a reset token (once) and ends every session of the user. */
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
      if (!spent) return null;
      await repos.users.nativeUpdate({ id: spent.userId }, { passwordHash, passwordChangedAt: now, updatedAt: now });
      const revokedSessions = await repos.sessions.revokeAllOfUser({
        userId: spent.userId,
        reason: 'password_change',
        now,
      });
      return { userId: spent.userId, revokedSessions };
    });
    if (!result) {
      this.#emit({ type: 'token.refused', purpose: 'reset_password', ...request });
      throw invalidToken();
    }
    // Whoever holds the mailbox proved to be the owner: failed guesses before no longer count.
    const user = await repositoriesOf(em).users.findOneOrFail({ id: result.userId });
    await this.deps.throttle.passwordAccepted({ username: user.usernameKey });
    this.#emit({ type: 'password_reset.completed', ...result, ...request });
    return result.revokedSessions;
  }

  async #sendVerification(
    em: EntityManager,
    user: { id: string; username: string; email: string },
    request: RequestInfo,
  ): Promise<void> {
    if (!this.deps.outbox) return;
    const token = await this.#issueToken(em, user.id, 'verify_email', user.email, VERIFY_TOKEN_TTL_MS);
    this.#dispatch(verifyMessage(user.email, user.username, this.#link('verify-email', token)), {
      userId: user.id,
      purpose: 'verify_email',
    });
    this.#emit({ type: 'email.verification_sent', userId: user.id, ...request });
  }

  /** A new token replaces the user's previous one of the purpose; only its hash is stored. */
  async #issueToken(
    em: EntityManager,
    userId: string,
    purpose: OneTimeTokenPurpose,
    email: string | null,
    ttlMs: number,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    await repositoriesOf(em).oneTimeTokens.replace({
      userId,
      purpose,
      tokenHash: hashToken(token),
      email,
      expiresAt: new Date(now.getTime() + ttlMs),
      now,
    });
    return token;
  }

  async #takeVerificationMail(userId: string, request: RequestInfo): Promise<void> {
    const wait = await this.deps.throttle.takeVerificationMail(userId);
    if (wait === 0) return;
    this.#emit({ type: 'email.verification_throttled', userId, ...request });
    throw throttled(`Too many verification emails; try again in ${wait} s`, wait);
  }

  #dispatch(message: MailMessage, context: { userId: string; purpose: OneTimeTokenPurpose }): void {
    this.deps.outbox?.dispatch(message, context);
  }

  #link(screen: 'reset-password' | 'verify-email', token: string): string {
    const url = new URL(this.deps.appUrl);
    url.hash = `/${screen}?token=${token}`;
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
