import { type RateLimiterAbstract, RateLimiterMemory } from 'rate-limiter-flexible';

export interface ThrottleKeys {
  /** The lower-cased username tried. */
  username: string;
  /** The client address, when known. */
  address?: string | undefined;
}

/** Counts failed logins. The store behind it is the implementation's business. */
export interface LoginThrottle {
  /** Seconds until another attempt is allowed; 0 when it is allowed now. */
  retryAfterSeconds(keys: ThrottleKeys): Promise<number>;
  recordFailure(keys: ThrottleKeys): Promise<void>;
  /** A successful login clears the username's failures (not the address's). */
  recordSuccess(keys: ThrottleKeys): Promise<void>;
}

export interface ThrottleConfig {
  /** Failures allowed per username within the window (10). */
  maxFailuresPerUsername: number;
  /** Failures allowed per client address within the window (looser: 100). */
  maxFailuresPerAddress: number;
  /** Window length in seconds (15 minutes). */
  windowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleConfig = {
  maxFailuresPerUsername: 10,
  maxFailuresPerAddress: 100,
  windowSeconds: 15 * 60,
};

/**
 * Fixed-window failure counters from rate-limiter-flexible. This in-memory
 * store is per process; a shared store for many instances plugs in behind
 * the same limiter interface.
 */
export class RateLimiterLoginThrottle implements LoginThrottle {
  constructor(
    private readonly byUsername: RateLimiterAbstract,
    private readonly byAddress: RateLimiterAbstract,
  ) {}

  static inMemory(config: ThrottleConfig = DEFAULT_THROTTLE): RateLimiterLoginThrottle {
    return new RateLimiterLoginThrottle(
      new RateLimiterMemory({
        keyPrefix: 'login_user',
        points: config.maxFailuresPerUsername,
        duration: config.windowSeconds,
      }),
      new RateLimiterMemory({
        keyPrefix: 'login_addr',
        points: config.maxFailuresPerAddress,
        duration: config.windowSeconds,
      }),
    );
  }

  async retryAfterSeconds(keys: ThrottleKeys): Promise<number> {
    const waits = await Promise.all([
      blockedForMs(this.byUsername, keys.username),
      keys.address ? blockedForMs(this.byAddress, keys.address) : 0,
    ]);
    const ms = Math.max(...waits);
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  async recordFailure(keys: ThrottleKeys): Promise<void> {
    await Promise.all([
      this.byUsername.penalty(keys.username, 1),
      keys.address ? this.byAddress.penalty(keys.address, 1) : undefined,
    ]);
  }

  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await this.byUsername.delete(keys.username);
  }
}

async function blockedForMs(limiter: RateLimiterAbstract, key: string): Promise<number> {
  const res = await limiter.get(key);
  return res && res.consumedPoints >= limiter.points ? Math.max(res.msBeforeNext, 1) : 0;
}
