import { randomBytes } from 'node:crypto';
import type { ApiObserver, ApiServices } from './context.js';
import { AccountEmailService } from './services/account-email.js';
import { AdminService } from './services/admin.js';
import { AuditLog, type AuditLogOptions } from './services/audit-log.js';
import { AuthService, DEFAULT_SESSION_MAX_PER_USER } from './services/auth.js';
import { type Mailer, MailOutbox } from './services/mail.js';
import { MfaService } from './services/mfa.js';
import { type OidcDeps, type OidcProviderConfig, OidcService } from './services/oidc.js';
import { PasskeyService, type WebauthnConfig } from './services/passkeys.js';
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
  /** The passkeys' relying party (WEBAUTHN_*); each part defaults to what `appUrl` says (webauthnConfigOf). */
  webauthn?: Partial<WebauthnConfig> | undefined;
  /**
   * MFA_ENCRYPTION_KEY: 32 bytes, base64url, that encrypt the TOTP secrets.
   * Unset: a key of this process only (tests); the server's config always
   * gives one, since secrets stored under a lost key can never be read again.
   */
  mfaEncryptionKey?: string | undefined;
  /** The name authenticator apps show beside the account (default "Auth API"). */
  mfaIssuer?: string | undefined;
  /** Identity providers (OIDC_PROVIDERS); none by default. */
  oidcProviders?: readonly OidcProviderConfig[] | undefined;
}

/** Where links in emails lead when no `appUrl` is given: the web app's dev server. */
export const DEFAULT_APP_URL = 'http://localhost:5173/';

/** WEBAUTHN_RP_NAME when unset. */
export const DEFAULT_WEBAUTHN_RP_NAME = 'Auth API';

/** The relying party: what is given, else the app's host as RP ID and its origin as the one origin. */
export function webauthnConfigOf(appUrl: string, given: Partial<WebauthnConfig> = {}): WebauthnConfig {
  const app = new URL(appUrl);
  return {
    rpId: given.rpId ?? app.hostname,
    rpName: given.rpName ?? DEFAULT_WEBAUTHN_RP_NAME,
    origins: given.origins ?? [app.origin],
  };
}

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
    /** What the audit log does when an append after a call fails (the server logs it at error). */
    onAuditAppendFailed?: AuditLogOptions['onAppendFailed'];
    /** Watches procedure calls and budget refusals (the server's metrics); also given to the default throttle. */
    observer?: ApiObserver;
    /** The fetch openid-client reaches providers with (tests rewrite their answers). */
    oidcFetch?: OidcDeps['fetch'];
  } = {},
): ApiServices {
  const passwords = options.passwords ?? new PasswordHasher(config.bcryptCost);
  const throttle = options.throttle ?? RateLimiterAuthThrottle.inMemory(config.throttle, options.observer ?? {});
  const audit = new AuditLog({
    ...(options.now ? { now: options.now } : {}),
    ...(options.onAuditAppendFailed ? { onAppendFailed: options.onAuditAppendFailed } : {}),
  });
  // Every event goes to the audit log, and to the composition root's sink (the server logs it).
  const events: SecurityEventSink = (event, unitOfWork) => {
    options.events?.(event, unitOfWork);
    audit.record(event, unitOfWork);
  };
  const shared = { events, ...(options.now ? { now: options.now } : {}) };
  const auth = new AuthService({
    tokens: new TokenService(config),
    passwords,
    throttle,
    sessionMaxPerUser: config.sessionMaxPerUser ?? DEFAULT_SESSION_MAX_PER_USER,
    refreshReuseGraceMs: config.refreshReuseGraceMs ?? 0,
    ...shared,
  });
  // One outbox, so that every message to a recipient takes from one budget.
  const outbox = options.mailer ? new MailOutbox(options.mailer, events, throttle) : undefined;
  const appUrl = config.appUrl ?? DEFAULT_APP_URL;
  const email = new AccountEmailService({
    auth,
    passwords,
    throttle,
    outbox,
    appUrl,
    ...(config.resetRequestMinMs !== undefined ? { resetRequestMinMs: config.resetRequestMinMs } : {}),
    ...shared,
  });
  const passkeys = new PasskeyService({ auth, webauthn: webauthnConfigOf(appUrl, config.webauthn), outbox, ...shared });
  const mfa = new MfaService({
    auth,
    cipher: new SecretCipher(
      config.mfaEncryptionKey ? Buffer.from(config.mfaEncryptionKey, 'base64url') : randomBytes(SecretCipher.KEY_BYTES),
    ),
    outbox,
    issuer: config.mfaIssuer ?? 'Auth API',
    ...shared,
  });
  const oidc = new OidcService({
    providers: config.oidcProviders ?? [],
    auth,
    throttle,
    appUrl: config.appUrl ?? DEFAULT_APP_URL,
    ...(options.oidcFetch ? { fetch: options.oidcFetch } : {}),
    ...shared,
  });
  return {
    passwords,
    auth,
    admin: new AdminService(shared),
    email,
    passkeys,
    mfa,
    audit,
    oidc,
    ...(options.observer ? { observer: options.observer } : {}),
  };
}
