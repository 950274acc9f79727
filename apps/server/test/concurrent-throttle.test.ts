/**
 * The budgets of password checks and registrations against a hostile client
 * that sends everything at once: parallel REST requests, tRPC batches, and
 * requests spread over two instances sharing one Redis. What is counted is
 * what the budgets protect: bcrypt comparisons and hashes actually made.
 *
 * Each test speaks from a loopback address of its own (127.0.x.y), so the
 * per-address budgets of one test never spend another's.
 */
import { tmpdir } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import {
  type AppRouter,
  type AuthThrottle,
  createApiServices,
  PasswordHasher,
  RateLimiterAuthThrottle,
  type ThrottleConfig,
  type TokenPair,
} from '@repo/api';
import { createOrm } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisAuthThrottle, createRedisClient, REDIS_LOG } from '../src/redis.js';
import { apiConfig, fetchFrom, PASSWORD, startServer, type TestServer, uniqueName } from './helpers.js';
import {
  capturingLogger,
  inspectRedis,
  type LogLine,
  redisTestsRun,
  TEST_REDIS_URL,
  uniqueKeyPrefix,
} from './redis-support.js';

const LIMITS: ThrottleConfig = {
  maxFailuresPerUsernameAddress: 10,
  maxFailuresPerUsername: 25,
  maxFailuresPerAddress: 30,
  maxRegistrationsPerAddress: 20,
  maxResetRequestsPerEmail: 5,
  maxResetRequestsPerAddress: 20,
  maxVerificationMailsPerUser: 5,
  maxMailsPerRecipient: 5,
  maxOidcPerAddress: 60,
  windowSeconds: 900,
};
const WRONG = 'definitely wrong password';

/** bcrypt, counted: the work the budgets exist to bound. */
class CountingHasher extends PasswordHasher {
  compared = 0;
  hashed = 0;

  override verify(password: string, hash: string): Promise<boolean> {
    this.compared += 1;
    return super.verify(password, hash);
  }

  override verifyUnknownUser(password: string): Promise<false> {
    this.compared += 1;
    return super.verifyUnknownUser(password);
  }

  override hash(password: string): Promise<string> {
    this.hashed += 1;
    return super.hash(password);
  }
}

let lastAddress = 0;
/** A loopback address no other test of this file speaks from. */
function nextAddress(): string {
  lastAddress += 1;
  return `127.0.${1 + Math.floor(lastAddress / 250)}.${1 + (lastAddress % 250)}`;
}

interface Setup {
  servers: TestServer[];
  hashers: CountingHasher[];
}

/** Sum of a counter over every instance. */
function total(setup: Setup, counter: 'compared' | 'hashed'): number {
  return setup.hashers.reduce((sum, hasher) => sum + hasher[counter], 0);
}

/** What one client, at one address, can do to the setup's instances (request i goes to instance i mod n). */
function clientAt(setup: Setup) {
  const address = nextAddress();
  const send = fetchFrom(address);
  const serverFor = (i: number) => setup.servers[i % setup.servers.length] as TestServer;
  return {
    address,
    async rest(i: number, method: string, path: string, body?: unknown, token?: string) {
      const res = await send(`${serverFor(i).baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
    },
    /** A real tRPC client on instance i that batches up to `maxItems` calls per HTTP request. */
    trpc(i: number, maxItems: number, onRequest: () => void) {
      return createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: `${serverFor(i).baseUrl}/trpc`,
            maxItems,
            fetch: (url, init) => {
              onRequest();
              return send(url, init);
            },
          }),
        ],
      });
    },
  };
}

/** HTTP requests that `calls` calls make when spread evenly over the instances' clients, `size` per batch. */
function batchesOf(setup: Setup, calls: number, size: number): number {
  return setup.servers.length * Math.ceil(calls / setup.servers.length / size);
}

function countBy<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The tRPC error code a call failed with, or 'OK'. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCClientError) return String(error.data?.code);
    throw error;
  }
}

async function registerAt(client: ReturnType<typeof clientAt>): Promise<{ username: string; pair: TokenPair }> {
  const username = uniqueName('target');
  const res = await client.rest(0, 'POST', '/api/auth/register', { username, password: PASSWORD });
  expect(res.status).toBe(200);
  return { username, pair: res.body as TokenPair };
}

function defineSuite(name: string, build: () => Promise<{ setup: Setup; close: () => Promise<void> }>) {
  describe(name, () => {
    let setup: Setup;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ setup, close } = await build());
    });
    afterAll(async () => {
      await close?.();
    });

    it(`compares at most ${LIMITS.maxFailuresPerUsernameAddress} wrong passwords of 60 sent at once over REST; the rest get 429 with Retry-After`, async () => {
      const client = clientAt(setup);
      const { username } = await registerAt(client);
      const before = total(setup, 'compared');
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => client.rest(i, 'POST', '/api/auth/login', { username, password: WRONG })),
      );
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsernameAddress);
      expect(countBy(results.map((r) => r.status))).toEqual(
        new Map([
          [401, LIMITS.maxFailuresPerUsernameAddress],
          [429, 60 - LIMITS.maxFailuresPerUsernameAddress],
        ]),
      );
      for (const res of results.filter((r) => r.status === 429)) {
        expect(Number(res.retryAfter)).toBeGreaterThan(0);
        expect(res.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      }
      // The budget is spent for the right password too.
      const right = await client.rest(0, 'POST', '/api/auth/login', { username, password: PASSWORD });
      expect(right.status).toBe(429);
    });

    it('compares at most the budget when the 60 guesses come as 6 tRPC batches of 10 at once', async () => {
      const client = clientAt(setup);
      const { username } = await registerAt(client);
      let requests = 0;
      const trpcClients = setup.servers.map((_, i) => client.trpc(i, 10, () => (requests += 1)));
      const before = total(setup, 'compared');
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          outcome(
            (trpcClients[i % trpcClients.length] as (typeof trpcClients)[number]).auth.login.mutate({
              username,
              password: WRONG,
            }),
          ),
        ),
      );
      expect(requests).toBe(batchesOf(setup, 60, 10));
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsernameAddress);
      expect(countBy(outcomes)).toEqual(
        new Map([
          ['UNAUTHORIZED', LIMITS.maxFailuresPerUsernameAddress],
          ['TOO_MANY_REQUESTS', 60 - LIMITS.maxFailuresPerUsernameAddress],
        ]),
      );
    });

    it('spends the same budget on a username that does not exist', async () => {
      const client = clientAt(setup);
      const username = uniqueName('ghost');
      const before = total(setup, 'compared');
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => client.rest(i, 'POST', '/api/auth/login', { username, password: WRONG })),
      );
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsernameAddress);
      expect(results.filter((r) => r.status === 429)).toHaveLength(30 - LIMITS.maxFailuresPerUsernameAddress);
    });

    it(`compares at most ${LIMITS.maxFailuresPerAddress} passwords for one address spraying 60 usernames at once`, async () => {
      const client = clientAt(setup);
      const before = total(setup, 'compared');
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          client.rest(i, 'POST', '/api/auth/login', { username: uniqueName('spray'), password: WRONG }),
        ),
      );
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerAddress);
      expect(results.filter((r) => r.status === 429)).toHaveLength(60 - LIMITS.maxFailuresPerAddress);
      // Another address is not affected.
      const other = clientAt(setup);
      const res = await other.rest(0, 'POST', '/api/auth/login', { username: uniqueName('spray'), password: WRONG });
      expect(res.status).toBe(401);
    });

    it('compares at most the budget of 25 wrong current passwords sent at once with a stolen access token, and login shares it', async () => {
      const client = clientAt(setup);
      const { username, pair } = await registerAt(client);
      const before = total(setup, 'compared');
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          client.rest(
            i,
            'POST',
            '/api/users/me/password',
            { currentPassword: WRONG, newPassword: 'a brand new password' },
            pair.accessToken,
          ),
        ),
      );
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsernameAddress);
      expect(countBy(results.map((r) => r.status))).toEqual(
        new Map([
          [400, LIMITS.maxFailuresPerUsernameAddress],
          [429, 25 - LIMITS.maxFailuresPerUsernameAddress],
        ]),
      );
      expect(results.find((r) => r.status === 429)?.retryAfter).toMatch(/^[1-9]\d*$/);
      const login = await client.rest(1, 'POST', '/api/auth/login', { username, password: PASSWORD });
      expect(login.status).toBe(429);
    });

    it('lets wrong logins and wrong current passwords at once share one budget', async () => {
      const client = clientAt(setup);
      const { username, pair } = await registerAt(client);
      const before = total(setup, 'compared');
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 2
            ? client.rest(i, 'POST', '/api/auth/login', { username, password: WRONG })
            : client.rest(
                i,
                'POST',
                '/api/users/me/password',
                { currentPassword: WRONG, newPassword: 'a brand new password' },
                pair.accessToken,
              ),
        ),
      );
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsernameAddress);
    });

    it("locks out the stranger's address, never the owner: 60 wrong passwords at once from one address, then the right one from another", async () => {
      const stranger = clientAt(setup);
      const owner = clientAt(setup);
      const { username } = await registerAt(owner);
      const before = total(setup, 'compared');
      const guesses = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          stranger.rest(i, 'POST', '/api/auth/login', { username, password: WRONG }),
        ),
      );
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsernameAddress);
      expect(guesses.filter((r) => r.status === 429)).toHaveLength(60 - LIMITS.maxFailuresPerUsernameAddress);
      // The stranger stays stopped, even with the right password...
      expect((await stranger.rest(0, 'POST', '/api/auth/login', { username, password: PASSWORD })).status).toBe(429);
      // ...and the owner, from elsewhere, signs in on every instance.
      for (let i = 0; i < setup.servers.length; i++) {
        expect((await owner.rest(i, 'POST', '/api/auth/login', { username, password: PASSWORD })).status).toBe(200);
      }
      // The owner's success clears nothing of the stranger's.
      expect((await stranger.rest(1, 'POST', '/api/auth/login', { username, password: WRONG })).status).toBe(429);
    });

    it(`compares at most ${LIMITS.maxFailuresPerUsername} wrong passwords for one username from three addresses at once`, async () => {
      const owner = clientAt(setup);
      const { username } = await registerAt(owner);
      const strangers = [clientAt(setup), clientAt(setup), clientAt(setup)];
      const before = total(setup, 'compared');
      const results = await Promise.all(
        Array.from({ length: 45 }, (_, i) =>
          (strangers[i % 3] as ReturnType<typeof clientAt>).rest(i, 'POST', '/api/auth/login', {
            username,
            password: WRONG,
          }),
        ),
      );
      // Each address had 10, all together 25: the username's ceiling holds across addresses.
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsername);
      expect(results.filter((r) => r.status === 429)).toHaveLength(45 - LIMITS.maxFailuresPerUsername);
    });

    it("clears the username's failures on a successful sign-in from the same address", async () => {
      const owner = clientAt(setup);
      const { username } = await registerAt(owner);
      const typo = () => owner.rest(0, 'POST', '/api/auth/login', { username, password: WRONG });
      for (let i = 1; i < LIMITS.maxFailuresPerUsernameAddress; i++) expect((await typo()).status).toBe(401);
      expect((await owner.rest(1, 'POST', '/api/auth/login', { username, password: PASSWORD })).status).toBe(200);
      const before = total(setup, 'compared');
      const again = await Promise.all(Array.from({ length: 12 }, typo));
      expect(total(setup, 'compared') - before).toBe(LIMITS.maxFailuresPerUsernameAddress);
      expect(again.filter((r) => r.status === 429)).toHaveLength(12 - LIMITS.maxFailuresPerUsernameAddress);
    });

    it(`hashes at most ${LIMITS.maxRegistrationsPerAddress} of 30 registrations sent at once from one address`, async () => {
      const client = clientAt(setup);
      const before = total(setup, 'hashed');
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          client.rest(i, 'POST', '/api/auth/register', { username: uniqueName('bulk'), password: PASSWORD }),
        ),
      );
      expect(total(setup, 'hashed') - before).toBe(LIMITS.maxRegistrationsPerAddress);
      expect(countBy(results.map((r) => r.status))).toEqual(
        new Map([
          [200, LIMITS.maxRegistrationsPerAddress],
          [429, 30 - LIMITS.maxRegistrationsPerAddress],
        ]),
      );
      expect(Number(results.find((r) => r.status === 429)?.retryAfter)).toBeGreaterThan(0);
      // The budget is the address's, not everyone's.
      await registerAt(clientAt(setup));
    });

    it('hashes at most the registration budget of tRPC batches sent at once', async () => {
      const client = clientAt(setup);
      let requests = 0;
      const trpcClients = setup.servers.map((_, i) => client.trpc(i, 10, () => (requests += 1)));
      const before = total(setup, 'hashed');
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          outcome(
            (trpcClients[i % trpcClients.length] as (typeof trpcClients)[number]).auth.register.mutate({
              username: uniqueName('batched'),
              password: PASSWORD,
            }),
          ),
        ),
      );
      expect(requests).toBe(batchesOf(setup, 30, 10));
      expect(total(setup, 'hashed') - before).toBe(LIMITS.maxRegistrationsPerAddress);
      expect(countBy(outcomes).get('TOO_MANY_REQUESTS')).toBe(30 - LIMITS.maxRegistrationsPerAddress);
    });
  });
}

/** `count` instances of the app on one database, each with its own hasher and the given throttle. */
async function instances(db: TestDatabase, count: number, throttleOf: (i: number) => Promise<AuthThrottle>) {
  const orms: MikroORM[] = [db.orm];
  for (let i = 1; i < count; i++) orms.push(await createOrm({ url: db.url, rootDir: tmpdir(), quiet: true }));
  const setup: Setup = { servers: [], hashers: [] };
  for (const [i, orm] of orms.entries()) {
    const hasher = new CountingHasher(apiConfig.bcryptCost);
    const services = createApiServices(apiConfig, { passwords: hasher, throttle: await throttleOf(i) });
    // As the server does before it listens; the counts then hold requests' work only.
    await hasher.warmUp();
    hasher.hashed = 0;
    setup.hashers.push(hasher);
    setup.servers.push(await startServer({ orm, services }));
  }
  return {
    setup,
    async close() {
      for (const server of setup.servers) await server.close();
      for (const orm of orms.slice(1)) await orm.close(true);
    },
  };
}

defineSuite('one instance, in-memory budgets', async () => {
  const db = await createTestDatabase();
  const { setup, close } = await instances(db, 1, async () => RateLimiterAuthThrottle.inMemory(LIMITS));
  return {
    setup,
    async close() {
      await close();
      await db.destroy();
    },
  };
});

const redisTests = await redisTestsRun('the Redis budgets under concurrency');

async function withRedis(count: number) {
  redisTests.requireRedis();
  const prefix = uniqueKeyPrefix(`concurrency-${count}`);
  const db = await createTestDatabase();
  const clients: Redis[] = [];
  const logs: LogLine[][] = [];
  const built = await instances(db, count, async () => {
    const { logger, lines } = capturingLogger();
    logs.push(lines);
    const client = createRedisClient(TEST_REDIS_URL, logger, { keyPrefix: prefix, commandTimeoutMs: 10_000 });
    clients.push(client);
    return createRedisAuthThrottle(client, logger, LIMITS);
  });
  return {
    setup: built.setup,
    async close() {
      await built.close();
      for (const client of clients) await closeRedisClient(client);
      // Every count above was Redis's: no call fell back to an instance's memory.
      expect(logs.flat().filter((line) => line.msg === REDIS_LOG.unreachable)).toEqual([]);
      const inspect = await inspectRedis();
      await inspect.deleteKeys(prefix);
      inspect.disconnect();
      await db.destroy();
    },
  };
}

describe.runIf(redisTests.runs)('on Redis', () => {
  defineSuite('one instance, budgets in Redis', () => withRedis(1));
  defineSuite('two instances sharing one Redis, requests alternating between them', () => withRedis(2));
});
