/**
 * Two instances of the app, as two processes would run them: each with its
 * own ORM, services, Redis client and Redis-backed throttle, on one database
 * and one Redis. What one instance does, the other honours at once.
 */
import { tmpdir } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import { type ApiServices, createApiServices, DEFAULT_THROTTLE, type TokenPair } from '@repo/api';
import { createOrm } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisAuthThrottle, createRedisClient, REDIS_LOG } from '../src/redis.js';
import { linkOf, startTestSmtp, type TestSmtp } from '../src/testing-smtp.js';
import { apiConfig, login, meStatus, PASSWORD, register, startServer, type TestServer, uniqueName } from './helpers.js';
import { capturingLogger, inspectRedis, redisTestsRun, TEST_REDIS_URL, uniqueKeyPrefix } from './redis-support.js';

const redisTests = await redisTestsRun('the two-instance tests');
const PREFIX = uniqueKeyPrefix('instances');
const FAILURES_ALLOWED = 10;
const WRONG = 'definitely wrong password';

describe.runIf(redisTests.runs)('two instances on one database and one Redis', () => {
  let db: TestDatabase;
  let secondOrm: MikroORM;
  const clients: Redis[] = [];
  const servers: TestServer[] = [];
  let a: TestServer;
  let b: TestServer;
  let smtp: TestSmtp;
  const services: ApiServices[] = [];

  beforeAll(async () => {
    redisTests.requireRedis();
    smtp = await startTestSmtp();
    db = await createTestDatabase();
    secondOrm = await createOrm({ url: db.url, rootDir: tmpdir(), quiet: true });
    for (const orm of [db.orm, secondOrm]) {
      const { logger, lines } = capturingLogger();
      const client = createRedisClient(TEST_REDIS_URL, logger, { keyPrefix: PREFIX, commandTimeoutMs: 10_000 });
      clients.push(client);
      const throttle = await createRedisAuthThrottle(client, logger, apiConfig.throttle);
      // Each instance really is on Redis, not on its in-memory fallback.
      expect(lines.map((line) => line.msg)).toContain(REDIS_LOG.connected);
      services.push(createApiServices(apiConfig, { throttle, mailer: smtp.mailer }));
      servers.push(await startServer({ orm, services: services.at(-1) }));
    }
    [a, b] = servers as [TestServer, TestServer];
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const client of clients) await closeRedisClient(client);
    if (clients.length) {
      const inspect = await inspectRedis();
      await inspect.deleteKeys(PREFIX);
      inspect.disconnect();
    }
    await secondOrm?.close(true);
    await db?.destroy();
    await smtp?.close();
  });

  async function refreshStatus(server: TestServer, refreshToken: string): Promise<number> {
    return (await server.rest('POST', '/api/auth/refresh', { body: { refreshToken } })).status;
  }

  async function failLogin(server: TestServer, username: string) {
    return server.rest('POST', '/api/auth/login', { body: { username, password: WRONG } });
  }

  it('refuses the access and refresh tokens on the second instance as soon as the first logs the session out', async () => {
    const username = uniqueName('out');
    await register(a, username);
    const pair = await login(a, username);
    expect(await meStatus(b, pair.accessToken)).toBe(200);

    const logout = await a.rest('POST', '/api/auth/logout', { token: pair.accessToken });
    expect(logout.status).toBe(200);
    expect(await meStatus(b, pair.accessToken)).toBe(401);
    expect(await refreshStatus(b, pair.refreshToken)).toBe(401);
  });

  it('refuses on the second instance, at once, the access token of a session its user ended from the list on the first', async () => {
    const username = uniqueName('devices');
    const mine = await register(a, username);
    const other = await login(b, username);
    expect(await meStatus(b, other.accessToken)).toBe(200);
    const sessions = await a.trpc(mine.accessToken).user.sessions.query();
    const target = sessions.find((session) => !session.current);
    const revoked = await a.rest('POST', `/api/users/me/sessions/${target?.id}/revoke`, { token: mine.accessToken });
    expect(revoked.status).toBe(200);
    expect(await meStatus(b, other.accessToken)).toBe(401);
    expect(await meStatus(a, other.accessToken)).toBe(401);
    expect(await refreshStatus(b, other.refreshToken)).toBe(401);
    expect(await meStatus(b, mine.accessToken)).toBe(200);
  });

  it('treats a refresh token rotated on one instance as stolen on the other, ending the session on both', async () => {
    const username = uniqueName('reuse');
    await register(a, username);
    const first = await login(a, username);
    const rotated = await a.rest<TokenPair>('POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(rotated.status).toBe(200);

    expect(await refreshStatus(b, first.refreshToken)).toBe(401);
    expect(await meStatus(a, rotated.body.accessToken)).toBe(401);
    expect(await refreshStatus(a, rotated.body.refreshToken)).toBe(401);
  });

  it('ends on the second instance the sessions in use there when the first logs out all of them', async () => {
    const username = uniqueName('all');
    await register(a, username);
    const onA = await login(a, username);
    const onB = await login(b, username);
    expect(await meStatus(b, onB.accessToken)).toBe(200);

    const logoutAll = await a.rest('POST', '/api/auth/logout-all', { token: onA.accessToken });
    expect(logoutAll.status).toBe(200);
    expect(await meStatus(b, onB.accessToken)).toBe(401);
    expect(await refreshStatus(b, onB.refreshToken)).toBe(401);
    expect(await meStatus(a, onA.accessToken)).toBe(401);
  });

  it(`throttles failed logins alternating between the instances after ${FAILURES_ALLOWED} in total, with 429 and Retry-After on either`, async () => {
    const username = uniqueName('alt');
    await register(a, username);
    for (let i = 0; i < FAILURES_ALLOWED; i++) {
      const res = await failLogin(i % 2 ? b : a, username);
      expect(res.status, `failed login #${i + 1}`).toBe(401);
    }

    for (const server of [a, b]) {
      const res = await server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.text).not.toContain('accessToken');
    }
  });

  it("clears on both instances a username's failures when it signs in on one of them", async () => {
    const username = uniqueName('clear');
    await register(a, username);
    for (let i = 0; i < FAILURES_ALLOWED - 1; i++) expect((await failLogin(a, username)).status).toBe(401);
    await login(b, username);
    for (let i = 0; i < FAILURES_ALLOWED - 1; i++) expect((await failLogin(a, username)).status).toBe(401);
    // 18 failures in all, but never 10 since the success: not throttled.
    const pair = await login(b, username);
    expect(pair.user.username).toBe(username);
  });

  it('answers 429 past the asking client budget and sends at most THROTTLE_MAIL_PER_RECIPIENT messages when 30 reset requests for one address arrive at once on both instances', async () => {
    const email = `${uniqueName('shared')}@example.test`;
    const res = await a.rest<TokenPair>('POST', '/api/auth/register', {
      body: { username: uniqueName('mail'), password: PASSWORD, email },
    });
    expect(res.status).toBe(200);
    const { token } = linkOf(await smtp.nextTo(email, 0));
    expect((await b.rest('POST', '/api/auth/verify-email', { body: { token } })).status).toBe(200);

    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? a : b).rest('POST', '/api/auth/password-reset', { body: { email } }),
      ),
    );
    await Promise.all(services.map((s) => s.email.idle()));
    const perClient = DEFAULT_THROTTLE.maxResetRequestsPerAddress;
    expect(answers.filter((r) => r.status === 200)).toHaveLength(perClient);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(30 - perClient);
    // Five messages to that mailbox in all, counted across both instances:
    // the verification link and four reset links.
    expect(smtp.to(email)).toHaveLength(5);
  });
});
