import type { ApiServices } from './context.js';
import { AccountEmailService } from './services/account-email.js';
import { AdminService } from './services/admin.js';
import { AuthService, DEFAULT_SESSION_MAX_PER_USER } from './services/auth.js';
import { type Mailer, MailOutbox } from './services/mail.js';
import { type OidcDeps, type OidcProviderConfig, OidcService } from './services/oidc.js';
import { PasswordHasher } from './services/passwords.js';
import type { SecurityEventSink } from './services/security-events.js';
import { type AuthThrottle, RateLimiterAuthThrottle, type ThrottleConfig } from './services/throttle.js';
import { type TokenConfig, TokenService } from './services/tokens.js';

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
  /** Identity providers (OIDC_PROVIDERS); none by default. */
  oidcProviders?: readonly OidcProviderConfig[] | undefined;
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
    /** The fetch openid-client reaches providers with (tests rewrite their answers). */
    oidcFetch?: OidcDeps['fetch'];
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
  const email = new AccountEmailService({
    auth,
    passwords,
    throttle,
    outbox: options.mailer ? new MailOutbox(options.mailer, options.events ?? (() => {}), throttle) : undefined,
    appUrl: config.appUrl ?? DEFAULT_APP_URL,
    ...(config.resetRequestMinMs !== undefined ? { resetRequestMinMs: config.resetRequestMinMs } : {}),
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
  return { passwords, auth, admin: new AdminService(shared), email, oidc };
}
