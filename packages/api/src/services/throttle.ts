import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

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

/** The part of a rate-limiter-flexible limiter the throttle uses. */
export interface FailureCounter {
  readonly points: number;
  get(key: string): Promise<RateLimiterRes | null>;
  penalty(key: string, points?: number): Promise<RateLimiterRes>;
  delete(key: string): Promise<boolean>;
}

/**
 * The Redis client the throttle is given: an ioredis `Redis` (or a client
 * shaped like one; rate-limiter-flexible drives it). The caller creates,
 * configures and closes it: this package opens no connection of its own.
 * Configure it to fail fast (no offline queue, a command timeout): a call
 * waits on Redis no longer than the client lets it.
 */
export interface RedisClientLike {
  /** ioredis' connection state: while it is not `ready`, calls go to the fallback at once. */
  readonly status: string;
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
}

export interface RedisThrottleOptions {
  /**
   * Called when a Redis call fails while Redis was considered up: once per
   * outage, not once per request. Logins go on with per-instance in-memory
   * counters until Redis answers again.
   */
  onStoreError?: (error: unknown) => void;
  /** Called when Redis answers again after `onStoreError` (or after starting unavailable). */
  onStoreRecovered?: () => void;
  /**
   * Start as if Redis were down (the caller found it unreachable at start and
   * said so): the first failure is not reported again, the first answer is.
   */
  startsUnavailable?: boolean;
}

/** Whether the shared store answers; reports each change once. */
class StoreHealth {
  #isDown: boolean;

  constructor(private readonly options: RedisThrottleOptions) {
    this.#isDown = options.startsUnavailable ?? false;
  }

  get isDown(): boolean {
    return this.#isDown;
  }

  failed(error: unknown): void {
    if (this.#isDown) return;
    this.#isDown = true;
    this.options.onStoreError?.(error);
  }

  answered(): void {
    if (!this.#isDown) return;
    this.#isDown = false;
    this.options.onStoreRecovered?.();
  }
}

/**
 * A shared counter (Redis) with an in-memory one to fall back on for any call
 * the shared store fails. Counts made in memory during an outage stay there:
 * they are not copied to Redis when it returns.
 *
 * This is what rate-limiter-flexible's `insuranceLimiter` does, done here in
 * the open because the insurance limiter swallows the store's error: the
 * throttle could then neither report the outage with its cause nor notice
 * that Redis answers again.
 */
class CounterWithFallback implements FailureCounter {
  constructor(
    private readonly store: FailureCounter,
    private readonly fallback: FailureCounter,
    private readonly health: StoreHealth,
    /** Throws when the store is known to be unreachable, so no call waits on it. */
    private readonly assertStoreReady: () => void,
  ) {}

  get points(): number {
    return this.store.points;
  }

  get(key: string): Promise<RateLimiterRes | null> {
    return this.#run((counter) => counter.get(key));
  }

  penalty(key: string, points = 1): Promise<RateLimiterRes> {
    return this.#run((counter) => counter.penalty(key, points));
  }

  async delete(key: string): Promise<boolean> {
    // Memory too: failures counted there during an outage must not come back with the next one.
    await this.fallback.delete(key);
    return this.#run((counter) => counter.delete(key));
  }

  async #run<T>(call: (counter: FailureCounter) => Promise<T>): Promise<T> {
    // Only an answer to a call made while Redis was down shows it is back: a
    // slow answer to a call made before the outage began does not.
    const wasDown = this.health.isDown;
    let result: T;
    try {
      this.assertStoreReady();
      result = await call(this.store);
    } catch (error) {
      this.health.failed(error);
      return call(this.fallback);
    }
    if (wasDown) this.health.answered();
    return result;
  }
}

function memoryCounter(keyPrefix: string, points: number, config: ThrottleConfig): RateLimiterMemory {
  return new RateLimiterMemory({ keyPrefix, points, duration: config.windowSeconds });
}

/**
 * Fixed-window failure counters from rate-limiter-flexible: in memory (per
 * process) by default, or in Redis (shared by every instance using it, with
 * an in-memory fallback while Redis is unreachable).
 */
export class RateLimiterLoginThrottle implements LoginThrottle {
  constructor(
    private readonly byUsername: FailureCounter,
    private readonly byAddress: FailureCounter,
  ) {}

  static inMemory(config: ThrottleConfig = DEFAULT_THROTTLE): RateLimiterLoginThrottle {
    return new RateLimiterLoginThrottle(
      memoryCounter('login_user', config.maxFailuresPerUsername, config),
      memoryCounter('login_addr', config.maxFailuresPerAddress, config),
    );
  }

  /**
   * Counters in Redis under `login_user:<username>` and `login_addr:<address>`
   * (behind the client's own `keyPrefix`, if it has one), so N instances
   * sharing the Redis count failures as one. A call Redis fails (refused,
   * not connected, timed out: the client's options decide how fast) is
   * answered from memory instead, so login never fails because of Redis.
   */
  static withRedis(
    client: RedisClientLike,
    config: ThrottleConfig = DEFAULT_THROTTLE,
    options: RedisThrottleOptions = {},
  ): RateLimiterLoginThrottle {
    const health = new StoreHealth(options);
    const assertReady = () => {
      // Not connected (connecting, reconnecting, closed): fall back at once
      // rather than hand a command to a connection that cannot carry it.
      if (client.status !== 'ready') throw new Error(`Redis is not connected (client status: ${client.status})`);
    };
    const counter = (keyPrefix: string, points: number) =>
      new CounterWithFallback(
        new RateLimiterRedis({
          storeClient: client,
          keyPrefix,
          points,
          duration: config.windowSeconds,
        }),
        memoryCounter(keyPrefix, points, config),
        health,
        assertReady,
      );
    return new RateLimiterLoginThrottle(
      counter('login_user', config.maxFailuresPerUsername),
      counter('login_addr', config.maxFailuresPerAddress),
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

async function blockedForMs(limiter: FailureCounter, key: string): Promise<number> {
  const res = await limiter.get(key);
  return res && res.consumedPoints >= limiter.points ? Math.max(res.msBeforeNext, 1) : 0;
}
