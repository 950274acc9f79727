import { randomBytes } from 'node:crypto';
import type { ApiServices } from './context.js';
import { AccountEmailService } from './services/account-email.js';
import { AdminService } from './services/admin.js';
import { AuthService, DEFAULT_SESSION_MAX_PER_USER } from './services/auth.js';
import { type Mailer, MailOutbox } from './services/mail.js';
import { MfaService } from './services/mfa.js';
import { PasswordHasher } from './services/passwords.js';
import type { SecurityEventSink } from './services/security-events.js';
import { type AuthThrottle, RateLimiterAuthThrottle, type ThrottleConfig } from './services/throttle.js';
import { type TokenConfig, TokenService } from './services/tokens.js';
import { SecretCipher } from './services/totp.js';

export interface ApiConfig extends TokenConfig {
  bcryptCost: number;
  /** The in-memory throttle's budgets, when no `throttle` is given (defaults: DEFAULT_THROTTLE). */
  throttle?: Partial<ThrottleConfig> | undefined;
  /** The web app's base URL, for the links in emails (APP_URL). */
  appUrl?: string | undefined;
  /** Minimum answer time of a password-reset request (default 250 ms). */
  resetRequestMinMs?: number | undefined;
  /** Live sessions per user (SESSION_MAX_PER_USER; default DEFAULT_SESSION_MAX_PER_USER). */
  sessionMaxPerUser?: number | undefined;
  /** How long a just-rotated refresh token still answers with the current one (REFRESH_REUSE_GRACE; default 0: never). */
  refreshReuseGraceMs?: number | undefined;
  /**
   * MFA_ENCRYPTION_KEY: 32 bytes, base64url, that encrypt the TOTP secrets.
   * Unset: a key of this process only (tests); the server's config always
   * gives one, since secrets stored under a lost key can never be read again.
   */
  mfaEncryptionKey?: string | undefined;
  /** The name authenticator apps show beside the account (default "Auth API"). */
  mfaIssuer?: string | undefined;
}

/** Where links in emails lead when no `appUrl` is given: the web app's dev server. */
export const DEFAULT_APP_URL = 'http://localhost:5173/';

/** Builds the long-lived services once per process (keys, dummy hash, throttle store). */
export function createApiServices(
  config: ApiConfig,
  options: {
    throttle?: AuthThrottle;
    /** The bcrypt hasher (tests pass one that counts its comparisons). */
    passwords?: PasswordHasher;
    events?: SecurityEventSink;
    /** How mail is sent; without one, the email procedures answer 503 (no SMTP in production). */
    mailer?: Mailer;
    now?: () => Date;
  } = {},
): ApiServices {
  const passwords = options.passwords ?? new PasswordHasher(config.bcryptCost);
  const throttle = options.throttle ?? RateLimiterAuthThrottle.inMemory(config.throttle);
  const shared = {
    ...(options.events ? { events: options.events } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
  const auth = new AuthService({
    tokens: new TokenService(config),
    passwords,
    throttle,
    sessionMaxPerUser: config.sessionMaxPerUser ?? DEFAULT_SESSION_MAX_PER_USER,
    refreshReuseGraceMs: config.refreshReuseGraceMs ?? 0,
    ...shared,
  });
  const outbox = options.mailer ? new MailOutbox(options.mailer, options.events ?? (() => {}), throttle) : undefined;
  const email = new AccountEmailService({
    auth,
    passwords,
    throttle,
    outbox,
    appUrl: config.appUrl ?? DEFAULT_APP_URL,
    ...(config.resetRequestMinMs !== undefined ? { resetRequestMinMs: config.resetRequestMinMs } : {}),
    ...shared,
  });
  const mfa = new MfaService({
    auth,
    cipher: new SecretCipher(
      config.mfaEncryptionKey ? Buffer.from(config.mfaEncryptionKey, 'base64url') : randomBytes(SecretCipher.KEY_BYTES),
    ),
    outbox,
    issuer: config.mfaIssuer ?? 'Auth API',
    ...shared,
  });
  return { passwords, auth, admin: new AdminService(shared), email, mfa };
}
