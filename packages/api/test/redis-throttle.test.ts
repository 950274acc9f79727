/**
 * RateLimiterLoginThrottle.withRedis on a real Redis (TEST_REDIS_URL, default
 * redis://127.0.0.1:6379). Each run of this file keeps its keys under its own
 * prefix, so runs never share counters. Redis unreachable: skipped with a
 * notice, a failure when Redis is required (TEST_REDIS_URL or REQUIRE_SERVICES=1).
 *
 * It needs no database, so it runs in the sqlite project only.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { isRequired } from '@repo/vitest-config/services';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterAuthThrottle, type RedisThrottleOptions, type ThrottleConfig } from '../src/services/throttle.js';
import { uniqueName } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const isSqliteProject = process.env.TEST_DB !== 'mysql';

/** Fail fast, as a server would configure its client (no queueing while disconnected). */
const FAST: RedisOptions = {
  enableOfflineQueue: false,
  connectTimeout: 1_000,
  commandTimeout: 1_000,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (attempt) => Math.min(attempt * 50, 500),
};

async function isReachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { ...FAST, lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const hasRedis = isSqliteProject ? await isReachable(REDIS_URL) : false;
if (isSqliteProject && !hasRedis && !isRequired.redis) {
  console.warn(
    `[tests] Redis at ${REDIS_URL} (TEST_REDIS_URL) is unreachable: skipping the Redis throttle tests (with TEST_REDIS_URL or REQUIRE_SERVICES=1 set they fail instead).`,
  );
}

const CONFIG: ThrottleConfig = {
  maxFailuresPerUsernameAddress: 4,
  maxFailuresPerUsername: 10,
  maxFailuresPerAddress: 15,
  maxRegistrationsPerAddress: 5,
  maxResetRequestsPerEmail: 4,
  maxResetRequestsPerAddress: 12,
  maxVerificationMailsPerUser: 3,
  maxMailsPerRecipient: 3,
  maxOidcPerAddress: 10,
  windowSeconds: 900,
};
/** This file's run: every key it writes starts with it. */
const PREFIX = `test:api-throttle:${process.pid}:${randomBytes(4).toString('hex')}:`;

const clients: Redis[] = [];
function client(options: RedisOptions = {}, url = REDIS_URL): Redis {
  const c = new Redis(url, { ...FAST, keyPrefix: PREFIX, ...options });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

async function ready(c: Redis): Promise<Redis> {
  if (c.status !== 'ready') await new Promise((resolve) => c.once('ready', resolve));
  return c;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** What the throttle reported about its store. */
function reports() {
  const seen = { errors: [] as unknown[], recoveries: 0 };
  const options: RedisThrottleOptions = {
    onStoreError: (error) => seen.errors.push(error),
    onStoreRecovered: () => {
      seen.recoveries += 1;
    },
  };
  return { seen, options };
}

/** Takes `times` password attempts one after another; every one must pass. */
async function attempt(throttle: RateLimiterAuthThrottle, username: string, times: number, address?: string) {
  for (let i = 0; i < times; i++) {
    expect(await throttle.takePasswordAttempt({ username, address }), `attempt #${i + 1}`).toBe(0);
  }
}

/** Seconds the next attempt is told to wait (it is taken, like any attempt). */
function nextWait(throttle: RateLimiterAuthThrottle, username: string, address?: string): Promise<number> {
  return throttle.takePasswordAttempt({ username, address });
}

describe.runIf(isSqliteProject && (hasRedis || isRequired.redis))('RateLimiterAuthThrottle.withRedis', () => {
  let raw: Redis;

  beforeAll(async () => {
    if (!hasRedis) throw new Error(`Redis is required and unreachable at ${REDIS_URL} (TEST_REDIS_URL)`);
    raw = await ready(client({ keyPrefix: '' }));
  });
  afterEach(() => {
    // Clients of one test are not reused by the next.
    for (const c of clients.splice(0)) if (c !== raw) c.disconnect();
  });
  afterAll(async () => {
    if (raw) {
      const keys = await raw.keys(`${PREFIX}*`);
      if (keys.length) await raw.del(...keys);
      raw.disconnect();
    }
  });

  it('counts the attempts of one username made through two clients together', async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const username = uniqueName('shared');
    await attempt(a, username, 5);
    await attempt(b, username, 5);
    for (const throttle of [a, b]) {
      const wait = await nextWait(throttle, username);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(CONFIG.windowSeconds);
    }
    expect(await raw.get(`${PREFIX}login_user:${username}`)).toBe('12');
  });

  it('refuses reset requests over the asking address budget and sends nothing past the email budget, 30 at once through two clients', async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const email = `${uniqueName('reset')}@example.com`;
    const budgets = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).takePasswordResetRequest({ email, address: '203.0.113.9' })),
    );
    // The asker is refused past its own budget only...
    expect(budgets.filter((budget) => budget.retryAfterSeconds > 0)).toHaveLength(
      30 - CONFIG.maxResetRequestsPerAddress,
    );
    // ...and of those it may make, only the email's share sends anything.
    expect(budgets.filter((budget) => budget.maySend)).toHaveLength(CONFIG.maxResetRequestsPerEmail);
    // Refused by the address's budget: nothing taken from the email's.
    expect(await raw.get(`${PREFIX}reset_email:${email}`)).toBe(String(CONFIG.maxResetRequestsPerAddress));
    // Another asker is answered, and still sends nothing.
    expect(await a.takePasswordResetRequest({ email, address: '198.51.100.7' })).toEqual({
      retryAfterSeconds: 0,
      maySend: false,
    });
  });

  it('lets exactly the per-recipient budget of messages through when 10 arrive at once through two clients', async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const recipient = `${uniqueName('mailbox')}@Example.com`;
    const sends = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).takeMail(i % 3 ? recipient : recipient.toLowerCase())),
    );
    expect(sends.filter(Boolean)).toHaveLength(CONFIG.maxMailsPerRecipient);
    expect(await a.takeMail(`${uniqueName('other')}@example.com`)).toBe(true);
  });

  it("counts one username's failures per address and all together, through two clients", async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const username = uniqueName('target');
    const from = (address: string) => ({ username, address });
    const waits = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).takePasswordAttempt(from('198.51.100.1'))),
    );
    expect(waits.filter((wait) => wait === 0)).toHaveLength(CONFIG.maxFailuresPerUsernameAddress);
    // Another address has a budget of its own, until the username's ceiling is reached.
    expect(await a.takePasswordAttempt(from('198.51.100.2'))).toBe(0);
    await b.passwordAccepted(from('198.51.100.2'));
    expect(await raw.get(`${PREFIX}login_user:${username}`)).toBeNull();
    // The owner's success leaves the stranger's address refused.
    expect(await a.takePasswordAttempt(from('198.51.100.1'))).toBeGreaterThan(0);
    for (let i = 2; i < 5; i++) await attempt(i % 2 ? a : b, username, 3, `198.51.100.${i + 10}`);
    await attempt(a, username, 1, '198.51.100.50');
    // 10 failures from four addresses: the username's ceiling, so every address is refused.
    expect(await b.takePasswordAttempt(from('198.51.100.99'))).toBeGreaterThan(0);
  });

  it('counts an IPv6 /64 as one address, and an IPv4-mapped address as its IPv4 address', async () => {
    const throttle = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const waits = await Promise.all(
      Array.from({ length: 8 }, (_, i) => throttle.takeRegistration(`2001:db8:1:2:${i.toString(16)}::${i + 1}`)),
    );
    expect(waits.filter((wait) => wait === 0)).toHaveLength(CONFIG.maxRegistrationsPerAddress);
    expect(await throttle.takeRegistration('2001:db8:1:3::1')).toBe(0);
    expect(await raw.get(`${PREFIX}register_addr:2001:db8:1:2::/64`)).toBe('8');
    await throttle.takeRegistration('::ffff:203.0.113.77');
    expect(await raw.get(`${PREFIX}register_addr:203.0.113.77`)).toBe('1');
  });

  it('counts verification mails of one user through two clients together', async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const userId = uniqueName('verify');
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).takeVerificationMail(userId)));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(CONFIG.maxVerificationMailsPerUser);
  });

  it('lets exactly the budget through when 60 attempts arrive at once through two clients', async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const username = uniqueName('burst');
    const waits = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).takePasswordAttempt({ username })),
    );
    expect(waits.filter((wait) => wait === 0)).toHaveLength(CONFIG.maxFailuresPerUsername);
    expect(waits.filter((wait) => wait > 0)).toHaveLength(60 - CONFIG.maxFailuresPerUsername);
  });

  it('counts the attempts of one address through two clients together, across usernames', async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const address = uniqueName('addr');
    for (let i = 0; i < CONFIG.maxFailuresPerAddress; i++) {
      await attempt(i % 2 ? a : b, uniqueName('spray'), 1, address);
    }
    expect(await nextWait(a, uniqueName('fresh'), address)).toBeGreaterThan(0);
    expect(await nextWait(b, uniqueName('fresh'), uniqueName('other'))).toBe(0);
  });

  it('gives the address its attempt back when the password was right', async () => {
    const throttle = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const address = uniqueName('office');
    for (let i = 0; i < CONFIG.maxFailuresPerAddress * 2; i++) {
      const keys = { username: uniqueName('colleague'), address };
      expect(await throttle.takePasswordAttempt(keys), `sign-in #${i + 1}`).toBe(0);
      await throttle.passwordAccepted(keys);
    }
  });

  it("clears a username's attempts for every client when one of them accepts its password", async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const username = uniqueName('cleared');
    await attempt(a, username, 9);
    await b.passwordAccepted({ username });
    await attempt(a, username, 9);
    expect(await raw.get(`${PREFIX}login_user:${username}`)).toBe('9');
    await attempt(b, username, 1);
    expect(await nextWait(b, username)).toBeGreaterThan(0);
  });

  it('counts registrations per address through two clients together, at once', async () => {
    const a = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const b = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const address = uniqueName('signup');
    const waits = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).takeRegistration(address)));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(CONFIG.maxRegistrationsPerAddress);
    expect(await a.takeRegistration(uniqueName('elsewhere'))).toBe(0);
  });

  it("keeps its counters under the client's keyPrefix, apart from a client with another prefix", async () => {
    const ours = RateLimiterAuthThrottle.withRedis(await ready(client()), CONFIG);
    const otherPrefix = `${PREFIX}other:`;
    const theirs = RateLimiterAuthThrottle.withRedis(await ready(client({ keyPrefix: otherPrefix })), CONFIG);
    const username = uniqueName('apart');
    await attempt(ours, username, 10);
    expect(await nextWait(ours, username)).toBeGreaterThan(0);
    expect(await raw.exists(`${PREFIX}login_user:${username}`, `${otherPrefix}login_user:${username}`)).toBe(1);
    expect(await nextWait(theirs, username)).toBe(0);
  });

  it('answers from memory when Redis cannot be reached, holds the budget there, and reports it once', async () => {
    const unreachable = client({}, `redis://127.0.0.1:${await deadPort()}`);
    const { seen, options } = reports();
    const throttle = RateLimiterAuthThrottle.withRedis(unreachable, CONFIG, options);
    const username = uniqueName('offline');

    const waits = await Promise.all(Array.from({ length: 25 }, () => throttle.takePasswordAttempt({ username })));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(CONFIG.maxFailuresPerUsername);
    await throttle.passwordAccepted({ username });
    expect(await nextWait(throttle, username)).toBe(0);

    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toBeInstanceOf(Error);
    expect(String(seen.errors[0])).toMatch(/Redis is not connected/);
    expect(seen.recoveries).toBe(0);
  });

  it('reports each outage once and each return once, and counts in Redis again once it answers', async () => {
    // Not connected until told to: an outage at will, on the real Redis.
    const flaky = client({ lazyConnect: true });
    const { seen, options } = reports();
    const throttle = RateLimiterAuthThrottle.withRedis(flaky, CONFIG, options);
    const username = uniqueName('flaky');

    await attempt(throttle, username, 3);
    expect(seen).toEqual({ errors: [expect.any(Error)], recoveries: 0 });

    await flaky.connect();
    await attempt(throttle, username, 1);
    expect(seen.recoveries).toBe(1);
    // The attempts counted in memory during the outage stay there.
    expect(await raw.get(`${PREFIX}login_user:${username}`)).toBe('1');

    const ended = once(flaky, 'end');
    flaky.disconnect();
    await ended;
    await attempt(throttle, username, 2);
    await flaky.connect();
    await attempt(throttle, username, 1);
    expect(seen).toEqual({ errors: [expect.any(Error), expect.any(Error)], recoveries: 2 });
    expect(await raw.get(`${PREFIX}login_user:${username}`)).toBe('2');
  });

  it('with startsUnavailable, reports no error for a store already known to be down, and reports its return', async () => {
    const late = client({ lazyConnect: true });
    const { seen, options } = reports();
    const throttle = RateLimiterAuthThrottle.withRedis(late, CONFIG, { ...options, startsUnavailable: true });
    const username = uniqueName('late');
    await attempt(throttle, username, 2);
    expect(seen).toEqual({ errors: [], recoveries: 0 });
    await late.connect();
    await attempt(throttle, username, 1);
    expect(seen).toEqual({ errors: [], recoveries: 1 });
  });

  it('answers from memory when a connected Redis does not answer within the command timeout', async () => {
    // A server that accepts the connection and never answers: a hung Redis.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      // No ready check (it would wait for an answer too): the client is "ready" on connect.
      const hung = await ready(client({ enableReadyCheck: false, commandTimeout: 100 }, `redis://127.0.0.1:${port}`));
      const { seen, options } = reports();
      const throttle = RateLimiterAuthThrottle.withRedis(hung, CONFIG, options);
      const username = uniqueName('hung');
      await attempt(throttle, username, 10);
      expect(await nextWait(throttle, username)).toBeGreaterThan(0);
      expect(seen.errors).toHaveLength(1);
      expect(String(seen.errors[0])).toMatch(/timed out/i);
    } finally {
      for (const c of clients.splice(0)) if (c !== raw) c.disconnect();
      silent.close();
    }
  });
});
