import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface ThrottleKeys {
  /** The lower-cased username whose password is being checked. */
  username: string;
  /** The client address, when known. */
  address?: string | undefined;
}

/**
 * Budgets for the requests that cost a bcrypt run: password checks and
 * registrations. Each request takes from its budgets *before* the work, in
 * one atomic step per budget, so however many requests arrive at once (in
 * parallel, in a tRPC batch, on several instances) no more than the budget
 * ever reaches bcrypt. The store behind it is the implementation's business.
 */
export interface AuthThrottle {
  /**
   * Takes one attempt from the username's and then the address's budget.
   * Returns the seconds to wait when either is spent (the password must then
   * not be checked), 0 when the check may go on.
   */
  takePasswordAttempt(keys: ThrottleKeys): Promise<number>;
  /**
   * The password was right: the username's budget is whole again, and the
   * address gets back the attempt it took (its budget is for failures).
   */
  passwordAccepted(keys: ThrottleKeys): Promise<void>;
  /** Takes one registration from the address's budget; seconds to wait when spent, else 0. */
  takeRegistration(address: string | undefined): Promise<number>;
}

export interface ThrottleConfig {
  /** Wrong passwords compared per username within the window (THROTTLE_LOGIN_PER_USERNAME, 10). */
  maxFailuresPerUsername: number;
  /** Failed logins per client address within the window (THROTTLE_LOGIN_PER_ADDRESS, 100). */
  maxFailuresPerAddress: number;
  /** Registrations per client address within the window (THROTTLE_REGISTER_PER_ADDRESS, 20). */
  maxRegistrationsPerAddress: number;
  /** Window length in whole seconds (THROTTLE_WINDOW, 15 minutes). */
  windowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleConfig = {
  maxFailuresPerUsername: 10,
  maxFailuresPerAddress: 100,
  maxRegistrationsPerAddress: 20,
  windowSeconds: 15 * 60,
};

/** The part of a rate-limiter-flexible limiter the throttle uses. */
export interface AttemptCounter {
  consume(key: string, points?: number): Promise<RateLimiterRes>;
  reward(key: string, points?: number): Promise<RateLimiterRes>;
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
   * outage, not once per request. Counting goes on with per-instance
   * in-memory counters until Redis answers again.
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
class CounterWithFallback implements AttemptCounter {
  constructor(
    private readonly store: AttemptCounter,
    private readonly fallback: AttemptCounter,
    private readonly health: StoreHealth,
    /** Throws when the store is known to be unreachable, so no call waits on it. */
    private readonly assertStoreReady: () => void,
  ) {}

  consume(key: string, points = 1): Promise<RateLimiterRes> {
    return this.#run((counter) => counter.consume(key, points));
  }

  reward(key: string, points = 1): Promise<RateLimiterRes> {
    return this.#run((counter) => counter.reward(key, points));
  }

  async delete(key: string): Promise<boolean> {
    // Memory too: attempts counted there during an outage must not come back with the next one.
    await this.fallback.delete(key);
    return this.#run((counter) => counter.delete(key));
  }

  async #run<T>(call: (counter: AttemptCounter) => Promise<T>): Promise<T> {
    // Only an answer to a call made while Redis was down shows it is back: a
    // slow answer to a call made before the outage began does not.
    const wasDown = this.health.isDown;
    let result: T;
    try {
      this.assertStoreReady();
      result = await call(this.store);
    } catch (error) {
      // A spent budget is an answer from the store, not a failure of it.
      if (error instanceof RateLimiterRes) {
        if (wasDown) this.health.answered();
        throw error;
      }
      this.health.failed(error);
      return call(this.fallback);
    }
    if (wasDown) this.health.answered();
    return result;
  }
}

/** Takes one point; the milliseconds until the window ends when the budget was already spent, else 0. */
async function take(counter: AttemptCounter, key: string): Promise<number> {
  try {
    await counter.consume(key, 1);
    return 0;
  } catch (error) {
    if (error instanceof RateLimiterRes) return Math.max(error.msBeforeNext, 1);
    throw error;
  }
}

function toSeconds(ms: number): number {
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

type CounterFactory = (keyPrefix: string, points: number) => AttemptCounter;

function memoryCounters(config: ThrottleConfig): CounterFactory {
  return (keyPrefix, points) => new RateLimiterMemory({ keyPrefix, points, duration: config.windowSeconds });
}

/**
 * Fixed-window budgets from rate-limiter-flexible, whose `consume` counts and
 * checks in one step (in Redis, one Lua script): in memory (per process) by
 * default, or in Redis (shared by every instance using it, with an in-memory
 * fallback while Redis is unreachable).
 */
export class RateLimiterAuthThrottle implements AuthThrottle {
  readonly #byUsername: AttemptCounter;
  readonly #failuresByAddress: AttemptCounter;
  readonly #registrationsByAddress: AttemptCounter;

  private constructor(config: ThrottleConfig, counter: CounterFactory) {
    this.#byUsername = counter('login_user', config.maxFailuresPerUsername);
    this.#failuresByAddress = counter('login_addr', config.maxFailuresPerAddress);
    this.#registrationsByAddress = counter('register_addr', config.maxRegistrationsPerAddress);
  }

  static inMemory(config: Partial<ThrottleConfig> = {}): RateLimiterAuthThrottle {
    const full = { ...DEFAULT_THROTTLE, ...config };
    return new RateLimiterAuthThrottle(full, memoryCounters(full));
  }

  /**
   * Counters in Redis under `login_user:<username>`, `login_addr:<address>`
   * and `register_addr:<address>` (behind the client's own `keyPrefix`, if it
   * has one), so N instances sharing the Redis count as one. A call Redis
   * fails (refused, not connected, timed out: the client's options decide how
   * fast) is answered from memory instead, so login never fails because of
   * Redis.
   */
  static withRedis(
    client: RedisClientLike,
    config: Partial<ThrottleConfig> = {},
    options: RedisThrottleOptions = {},
  ): RateLimiterAuthThrottle {
    const full = { ...DEFAULT_THROTTLE, ...config };
    const health = new StoreHealth(options);
    const assertReady = () => {
      // Not connected (connecting, reconnecting, closed): fall back at once
      // rather than hand a command to a connection that cannot carry it.
      if (client.status !== 'ready') throw new Error(`Redis is not connected (client status: ${client.status})`);
    };
    const inMemory = memoryCounters(full);
    return new RateLimiterAuthThrottle(
      full,
      (keyPrefix, points) =>
        new CounterWithFallback(
          new RateLimiterRedis({ storeClient: client, keyPrefix, points, duration: full.windowSeconds }),
          inMemory(keyPrefix, points),
          health,
          assertReady,
        ),
    );
  }

  async takePasswordAttempt(keys: ThrottleKeys): Promise<number> {
    // Only attempts that go on to bcrypt count: one refused by the username's
    // budget takes nothing from the address's, and one refused by the
    // address's gives the username's point back.
    const usernameWait = await take(this.#byUsername, keys.username);
    if (usernameWait > 0 || !keys.address) return toSeconds(usernameWait);
    const addressWait = await take(this.#failuresByAddress, keys.address);
    if (addressWait > 0) await this.#byUsername.reward(keys.username, 1);
    return toSeconds(addressWait);
  }

  async passwordAccepted(keys: ThrottleKeys): Promise<void> {
    await Promise.all([
      this.#byUsername.delete(keys.username),
      keys.address ? this.#failuresByAddress.reward(keys.address, 1) : undefined,
    ]);
  }

  async takeRegistration(address: string | undefined): Promise<number> {
    // Without an address (an in-process caller) there is no one to count.
    return address ? toSeconds(await take(this.#registrationsByAddress, address)) : 0;
  }
}
