import type { ApiServices } from './context.js';
import { AdminService } from './services/admin.js';
import { AuthService } from './services/auth.js';
import { PasswordHasher } from './services/passwords.js';
import type { SecurityEventSink } from './services/security-events.js';
import { type AuthThrottle, RateLimiterAuthThrottle, type ThrottleConfig } from './services/throttle.js';
import { type TokenConfig, TokenService } from './services/tokens.js';

export interface ApiConfig extends TokenConfig {
  bcryptCost: number;
  /** The in-memory throttle's budgets, when no `throttle` is given (defaults: DEFAULT_THROTTLE). */
  throttle?: Partial<ThrottleConfig> | undefined;
}

/** Builds the long-lived services once per process (keys, dummy hash, throttle store). */
export function createApiServices(
  config: ApiConfig,
  options: {
    throttle?: AuthThrottle;
    /** The bcrypt hasher (tests pass one that counts its comparisons). */
    passwords?: PasswordHasher;
    events?: SecurityEventSink;
    now?: () => Date;
  } = {},
): ApiServices {
  const passwords = options.passwords ?? new PasswordHasher(config.bcryptCost);
  return {
    passwords,
    auth: new AuthService({
      tokens: new TokenService(config),
      passwords,
      throttle: options.throttle ?? RateLimiterAuthThrottle.inMemory(config.throttle),
      ...(options.events ? { events: options.events } : {}),
      ...(options.now ? { now: options.now } : {}),
    }),
    admin: new AdminService({
      ...(options.events ? { events: options.events } : {}),
      ...(options.now ? { now: options.now } : {}),
    }),
  };
}
