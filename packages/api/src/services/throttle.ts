import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface ThrottleKeys {
  /** The lower-cased username whose password is being checked. */
  username: string;
  /** The client address, when known. */
  address?: string | undefined;
}

/** What a password-reset request may do, once counted. */
export interface ResetRequestBudget {
  /** Seconds the asking address must wait (it is over its budget: answer 429), else 0. */
  retryAfterSeconds: number;
  /**
   * False when the email address has had its share of requests this window:
   * the request is answered exactly as an accepted one and nothing is sent,
   * so a stranger can neither lock the owner out of resets nor learn anything.
   */
  maySend: boolean;
}

/**
 * Budgets for the requests that cost a bcrypt run or send a mail: password
 * checks, registrations, reset requests and messages. Each request takes from
 * its budgets *before* the work, in one atomic step per budget, so however
 * many requests arrive at once (in parallel, in a tRPC batch, on several
 * instances) no more than the budget ever reaches bcrypt or the mail server.
 *
 * Every budget that can refuse a request is keyed by something the asker
 * controls (its address, or the account it is signed in to), never by the
 * victim alone: a stranger spends their own budget, not the owner's.
 */
export interface AuthThrottle {
  /**
   * Takes one attempt from the (username, address) budget, then the
   * username's, then the address's. Returns the seconds to wait when any is
   * spent (the password must then not be checked), 0 when the check may go on.
   */
  takePasswordAttempt(keys: ThrottleKeys): Promise<number>;
  /**
   * The password was right: the username's failures are cleared (from every
   * address together, and from this one), and the address gets back the
   * attempt it took (its budget is for failures). Failures a stranger made
   * from another address stay theirs.
   */
  passwordAccepted(keys: ThrottleKeys): Promise<void>;
  /** Takes one registration from the address's budget; seconds to wait when spent, else 0. */
  takeRegistration(address: string | undefined): Promise<number>;
  /**
   * Takes one password-reset request from the client address's budget and,
   * when that allows it, from the email address's. Counted whether or not
   * the address belongs to anyone.
   */
  takePasswordResetRequest(keys: { email: string; address?: string | undefined }): Promise<ResetRequestBudget>;
  /** Takes one verification mail from the user's budget; seconds to wait when spent, else 0. */
  takeVerificationMail(userId: string): Promise<number>;
  /**
   * Takes one message from the recipient's budget (every kind of message
   * together); false when spent: the message is then not sent.
   */
  takeMail(recipient: string): Promise<boolean>;
  /**
   * Takes one identity-provider callback or sign-in code exchange from the
   * client address's budget; seconds to wait when spent, else 0.
   */
  takeOidcAttempt(address: string | undefined): Promise<number>;
}

/** The budgets, each with the variable that sets it and its default: config, `.env` and docs follow this table. */
export const THROTTLE_BUDGETS = [
  {
    key: 'maxFailuresPerUsernameAddress',
    env: 'THROTTLE_LOGIN_PER_USERNAME_ADDRESS',
    default: 10,
    about: 'wrong passwords per username from one client address',
  },
  {
    key: 'maxFailuresPerUsername',
    env: 'THROTTLE_LOGIN_PER_USERNAME',
    default: 100,
    about: 'wrong passwords per username from all addresses together',
  },
  {
    key: 'maxFailuresPerAddress',
    env: 'THROTTLE_LOGIN_PER_ADDRESS',
    default: 100,
    about: 'failed password checks per client address, all usernames',
  },
  {
    key: 'maxRegistrationsPerAddress',
    env: 'THROTTLE_REGISTER_PER_ADDRESS',
    default: 20,
    about: 'registrations per client address',
  },
  {
    key: 'maxResetRequestsPerEmail',
    env: 'THROTTLE_RESET_PER_EMAIL',
    default: 5,
    about: 'password-reset requests per email address (past it: answered as usual, nothing sent)',
  },
  {
    key: 'maxResetRequestsPerAddress',
    env: 'THROTTLE_RESET_PER_ADDRESS',
    default: 20,
    about: 'password-reset requests per client address',
  },
  {
    key: 'maxVerificationMailsPerUser',
    env: 'THROTTLE_VERIFY_PER_USER',
    default: 5,
    about: 'verification mails a signed-in user may ask for',
  },
  {
    key: 'maxMailsPerRecipient',
    env: 'THROTTLE_MAIL_PER_RECIPIENT',
    default: 5,
    about: 'messages to any one email address, all kinds together (past it: not sent)',
  },
  {
    key: 'maxOidcPerAddress',
    env: 'THROTTLE_OIDC_PER_ADDRESS',
    default: 60,
    about: 'identity-provider callbacks and sign-in code exchanges per client address',
  },
] as const;

export type ThrottleBudgetKey = (typeof THROTTLE_BUDGETS)[number]['key'];

export type ThrottleConfig = Record<ThrottleBudgetKey, number> & {
  /** Window length in whole seconds (THROTTLE_WINDOW, 15 minutes). */
  windowSeconds: number;
};

export const DEFAULT_THROTTLE_WINDOW = '15m';

export const DEFAULT_THROTTLE: ThrottleConfig = {
  ...(Object.fromEntries(THROTTLE_BUDGETS.map((budget) => [budget.key, budget.default])) as Record<
    ThrottleBudgetKey,
    number
  >),
  windowSeconds: 15 * 60,
};

/**
 * The part of a client address a budget counts: an IPv4 address as it is
 * (an IPv4-mapped IPv6 address too), an IPv6 address by its /64 prefix, since
 * one subscriber is routed a whole /64 and could otherwise draw a fresh budget
 * from each of its 2^64 addresses. Text that is no IP address is kept as it is.
 */
export function addressBudgetKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${prefix.map((part) => part.toString(16)).join(':')}::/64`;
}

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

/** What the composition root may watch of the budgets (metrics); must not throw. */
export interface ThrottleObserver {
  /** A request was refused by `budget` (it had no point left). */
  onRefused?: (budget: ThrottleBudgetKey) => void;
}

/** `counter`, reporting each refusal to the observer under its budget's name. */
function observedCounter(
  counter: AttemptCounter,
  budget: ThrottleBudgetKey,
  observer: ThrottleObserver,
): AttemptCounter {
  const { onRefused } = observer;
  if (!onRefused) return counter;
  return {
    consume: async (key, points) => {
      try {
        return await counter.consume(key, points);
      } catch (error) {
        if (error instanceof RateLimiterRes) onRefused(budget);
        throw error;
      }
    },
    reward: (key, points) => counter.reward(key, points),
    delete: (key) => counter.delete(key),
  };
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
  readonly #byUsernameAddress: AttemptCounter;
  readonly #byUsername: AttemptCounter;
  readonly #failuresByAddress: AttemptCounter;
  readonly #registrationsByAddress: AttemptCounter;
  readonly #resetsByEmail: AttemptCounter;
  readonly #resetsByAddress: AttemptCounter;
  readonly #verificationMailsByUser: AttemptCounter;
  readonly #mailsByRecipient: AttemptCounter;
  readonly #oidcByAddress: AttemptCounter;

  private constructor(config: ThrottleConfig, counter: CounterFactory, observer: ThrottleObserver = {}) {
    const budget = (keyPrefix: string, key: ThrottleBudgetKey) =>
      observedCounter(counter(keyPrefix, config[key]), key, observer);
    this.#byUsernameAddress = budget('login_user_addr', 'maxFailuresPerUsernameAddress');
    this.#byUsername = budget('login_user', 'maxFailuresPerUsername');
    this.#failuresByAddress = budget('login_addr', 'maxFailuresPerAddress');
    this.#registrationsByAddress = budget('register_addr', 'maxRegistrationsPerAddress');
    this.#resetsByEmail = budget('reset_email', 'maxResetRequestsPerEmail');
    this.#resetsByAddress = budget('reset_addr', 'maxResetRequestsPerAddress');
    this.#verificationMailsByUser = budget('verify_user', 'maxVerificationMailsPerUser');
    this.#mailsByRecipient = budget('mail_to', 'maxMailsPerRecipient');
    this.#oidcByAddress = budget('oidc_addr', 'maxOidcPerAddress');
  }

  static inMemory(config: Partial<ThrottleConfig> = {}, observer: ThrottleObserver = {}): RateLimiterAuthThrottle {
    const full = { ...DEFAULT_THROTTLE, ...config };
    return new RateLimiterAuthThrottle(full, memoryCounters(full), observer);
  }

  /**
   * Counters in Redis under `login_user_addr:<username>@<address>`,
   * `login_user:<username>`, `login_addr:<address>`, `register_addr:<address>`,
   * `reset_email:<email>`, `reset_addr:<address>`, `verify_user:<user id>`
   * `mail_to:<email>` and `oidc_addr:<address>` (addresses as `addressBudgetKey` gives them; behind
   * the client's own `keyPrefix`, REDIS_KEY_PREFIX), so N instances sharing
   * the Redis count as one. A call Redis fails (refused, not connected, timed
   * out: the client's options decide how fast) is answered from memory
   * instead, so login never fails because of Redis.
   */
  static withRedis(
    client: RedisClientLike,
    config: Partial<ThrottleConfig> = {},
    options: RedisThrottleOptions & ThrottleObserver = {},
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
      options,
    );
  }

  async takePasswordAttempt(keys: ThrottleKeys): Promise<number> {
    // Only attempts that go on to bcrypt count: an attempt refused by one
    // budget gives back what it took from the budgets before it.
    const address = keys.address === undefined ? undefined : addressBudgetKey(keys.address);
    const taken: Array<[AttemptCounter, string]> = [];
    const budgets: Array<[AttemptCounter, string]> = address
      ? [
          [this.#byUsernameAddress, `${keys.username}@${address}`],
          [this.#byUsername, keys.username],
          [this.#failuresByAddress, address],
        ]
      : // An in-process caller (no address): the username's budget alone.
        [[this.#byUsername, keys.username]];
    for (const [counter, key] of budgets) {
      const wait = await take(counter, key);
      if (wait > 0) {
        await Promise.all(taken.map(([spent, spentKey]) => spent.reward(spentKey, 1)));
        return toSeconds(wait);
      }
      taken.push([counter, key]);
    }
    return 0;
  }

  async passwordAccepted(keys: ThrottleKeys): Promise<void> {
    const address = keys.address === undefined ? undefined : addressBudgetKey(keys.address);
    await Promise.all([
      this.#byUsername.delete(keys.username),
      address ? this.#byUsernameAddress.delete(`${keys.username}@${address}`) : undefined,
      address ? this.#failuresByAddress.reward(address, 1) : undefined,
    ]);
  }

  async takeRegistration(address: string | undefined): Promise<number> {
    // Without an address (an in-process caller) there is no one to count.
    return address ? toSeconds(await take(this.#registrationsByAddress, addressBudgetKey(address))) : 0;
  }

  async takePasswordResetRequest(keys: { email: string; address?: string | undefined }): Promise<ResetRequestBudget> {
    // The asker's budget first: only it may refuse. A request it refuses takes nothing from the email's.
    if (keys.address) {
      const addressWait = await take(this.#resetsByAddress, addressBudgetKey(keys.address));
      if (addressWait > 0) return { retryAfterSeconds: toSeconds(addressWait), maySend: false };
    }
    const emailWait = await take(this.#resetsByEmail, keys.email.toLowerCase());
    return { retryAfterSeconds: 0, maySend: emailWait === 0 };
  }

  async takeVerificationMail(userId: string): Promise<number> {
    return toSeconds(await take(this.#verificationMailsByUser, userId));
  }

  async takeMail(recipient: string): Promise<boolean> {
    return (await take(this.#mailsByRecipient, recipient.toLowerCase())) === 0;
  }

  async takeOidcAttempt(address: string | undefined): Promise<number> {
    return address ? toSeconds(await take(this.#oidcByAddress, addressBudgetKey(address))) : 0;
  }
}
