import type { ApiServices } from './context.js';
import { AuthService } from './services/auth.js';
import { PasswordHasher } from './services/passwords.js';
import type { SecurityEventSink } from './services/security-events.js';
import { type LoginThrottle, RateLimiterLoginThrottle } from './services/throttle.js';
import { type TokenConfig, TokenService } from './services/tokens.js';

export interface ApiConfig extends TokenConfig {
  bcryptCost: number;
}

/** Builds the long-lived services once per process (keys, dummy hash, throttle store). */
export function createApiServices(
  config: ApiConfig,
  options: { throttle?: LoginThrottle; events?: SecurityEventSink; now?: () => Date } = {},
): ApiServices {
  const passwords = new PasswordHasher(config.bcryptCost);
  return {
    passwords,
    auth: new AuthService({
      tokens: new TokenService(config),
      passwords,
      throttle: options.throttle ?? RateLimiterLoginThrottle.inMemory(),
      ...(options.events ? { events: options.events } : {}),
      ...(options.now ? { now: options.now } : {}),
    }),
  };
}
