/**
 * The app with its throttle on Redis, built as main.ts builds it (the same
 * client options and log lines), when Redis goes away: logins go on with
 * in-memory counters, one warning per outage, one info line when Redis is
 * back. Redis is taken away and given back with a TCP proxy in front of it.
 */
import { createApiServices, type TokenPair } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisAuthThrottle, createRedisClient, REDIS_LOG } from '../src/redis.js';
import { apiConfig, PASSWORD, register, startServer, type TestServer, uniqueName } from './helpers.js';
import {
  capturingLogger,
  inspectRedis,
  LEVEL,
  type LogLine,
  RedisProxy,
  redisTestsRun,
  uniqueKeyPrefix,
  untilDisconnected,
  untilReady,
} from './redis-support.js';

const redisTests = await redisTestsRun('the Redis outage tests');
const PREFIX = uniqueKeyPrefix('redis-outage');
const WRONG = 'definitely wrong password';

interface Instance {
  server: TestServer;
  client: Redis;
  proxy: RedisProxy;
  /** What the app logged about Redis. */
  redisLines(message: string): LogLine[];
  /** Every line the app logged at error level or above. */
  errorLines(): LogLine[];
}

describe.runIf(redisTests.runs)('login while Redis is unreachable', () => {
  let db: TestDatabase;
  let inspect: Awaited<ReturnType<typeof inspectRedis>>;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    redisTests.requireRedis();
    db = await createTestDatabase();
    inspect = await inspectRedis();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await inspect?.deleteKeys(PREFIX);
    inspect?.disconnect();
    await db?.destroy();
  });

  /** One app instance whose Redis sits behind a proxy (started unless told otherwise). */
  async function startInstance(options: { isRedisUp?: boolean } = {}): Promise<Instance> {
    const proxy = new RedisProxy();
    await proxy.start();
    cleanups.push(() => proxy.stop());
    if (options.isRedisUp === false) await proxy.stop();

    const { logger, lines } = capturingLogger();
    const client = createRedisClient(proxy.url, logger, { keyPrefix: PREFIX });
    cleanups.push(() => closeRedisClient(client));
    const throttle = await createRedisAuthThrottle(client, logger, apiConfig.throttle);
    const server = await startServer({ orm: db.orm, services: createApiServices(apiConfig, { throttle }) });
    cleanups.push(() => server.close());
    const parsed = () => [...lines, ...server.logLines.map((line) => JSON.parse(line) as LogLine)];
    return {
      server,
      client,
      proxy,
      redisLines: (message) => lines.filter((line) => line.msg === message),
      errorLines: () => parsed().filter((line) => line.level >= LEVEL.error),
    };
  }

  async function loginStatus(server: TestServer, username: string, password: string) {
    const res = await server.rest<TokenPair>('POST', '/api/auth/login', { body: { username, password } });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body };
  }

  async function takeRedisAway(instance: Instance) {
    await instance.proxy.stop();
    await untilDisconnected(instance.client);
  }

  it('answers 200 for the right password and 401 for a wrong one, and logs one warning for the outage', async () => {
    const app = await startInstance();
    const username = uniqueName('outage');
    await register(app.server, username);
    expect((await loginStatus(app.server, username, PASSWORD)).status).toBe(200);
    expect(app.redisLines(REDIS_LOG.connected)).toHaveLength(1);
    expect(app.redisLines(REDIS_LOG.unreachable)).toHaveLength(0);

    await takeRedisAway(app);
    expect((await loginStatus(app.server, username, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await loginStatus(app.server, username, WRONG)).status).toBe(401);
    const ok = await loginStatus(app.server, username, PASSWORD);
    expect(ok.status).toBe(200);
    expect(ok.body.user.username).toBe(username);

    const warnings = app.redisLines(REDIS_LOG.unreachable);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: LEVEL.warn, redis: `127.0.0.1:${app.proxy.port}` });
    expect(warnings[0]?.err?.message).toEqual(expect.any(String));
    expect(app.errorLines()).toEqual([]);
  });

  it('throttles in memory while Redis is away: 429 with Retry-After after 10 failures, still one warning', async () => {
    const app = await startInstance();
    const username = uniqueName('offline');
    await register(app.server, username);
    await takeRedisAway(app);

    for (let i = 0; i < 10; i++) {
      expect((await loginStatus(app.server, username, WRONG)).status, `failed login #${i + 1}`).toBe(401);
    }
    const throttled = await loginStatus(app.server, username, PASSWORD);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.retryAfter)).toBeGreaterThan(0);
    expect(app.redisLines(REDIS_LOG.unreachable)).toHaveLength(1);
    expect(app.errorLines()).toEqual([]);
  });

  it('goes back to counting in Redis when it returns, and logs one info line', async () => {
    const app = await startInstance();
    const username = uniqueName('returns');
    await register(app.server, username);
    await takeRedisAway(app);
    expect((await loginStatus(app.server, username, WRONG)).status).toBe(401);

    await app.proxy.start();
    await untilReady(app.client);
    expect((await loginStatus(app.server, username, WRONG)).status).toBe(401);
    expect((await loginStatus(app.server, username, WRONG)).status).toBe(401);

    const recovered = app.redisLines(REDIS_LOG.recovered);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]?.level).toBe(LEVEL.info);
    expect(app.redisLines(REDIS_LOG.unreachable)).toHaveLength(1);
    // The two failures since its return are in Redis (the one during the outage stayed in memory).
    expect(await inspect.get(`${PREFIX}login_user:${username.toLowerCase()}`)).toBe('2');
  });

  it('answers logins when Redis keeps the connection open but stops answering, and logs one warning', async () => {
    const app = await startInstance();
    const username = uniqueName('hung');
    await register(app.server, username);
    app.proxy.silence();

    expect((await loginStatus(app.server, username, WRONG)).status).toBe(401);
    expect((await loginStatus(app.server, username, PASSWORD)).status).toBe(200);
    const warnings = app.redisLines(REDIS_LOG.unreachable);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.err?.message).toMatch(/timed out/i);
    expect(app.errorLines()).toEqual([]);
  });

  it('starts with Redis unreachable: one warning at start, logins work, one info line when Redis answers', async () => {
    const app = await startInstance({ isRedisUp: false });
    expect(app.redisLines(REDIS_LOG.unreachable)).toHaveLength(1);
    expect(app.redisLines(REDIS_LOG.connected)).toHaveLength(0);

    const username = uniqueName('coldstart');
    await register(app.server, username);
    expect((await loginStatus(app.server, username, WRONG)).status).toBe(401);
    expect((await loginStatus(app.server, username, PASSWORD)).status).toBe(200);
    expect(app.redisLines(REDIS_LOG.unreachable)).toHaveLength(1);

    await app.proxy.start();
    await untilReady(app.client);
    expect((await loginStatus(app.server, username, PASSWORD)).status).toBe(200);
    expect(app.redisLines(REDIS_LOG.recovered)).toHaveLength(1);
    expect(app.errorLines()).toEqual([]);
  });
});
