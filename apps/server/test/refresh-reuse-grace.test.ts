/**
 * Refresh reuse grace (API.md, "Semantics"), over real HTTP on two instances
 * of the app sharing one database, as two processes behind a load balancer
 * would: a refresh retried or sent twice at once, in bearer and cookie mode,
 * gets the same new refresh token from either instance; after the grace, the
 * retired token ends the session as before; with no grace, as it always did.
 * The instances share a clock the tests move, so nothing waits for the grace.
 */
import { tmpdir } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import { createApiServices, type TokenPair } from '@repo/api';
import { createOrm, repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiConfig, login, meStatus, register, startServer, type TestServer, uniqueName } from './helpers.js';

const GRACE_MS = 10_000;
const COOKIE_MODE = { 'x-session-mode': 'cookie' } as const;

let db: TestDatabase;
let secondOrm: MikroORM;
const servers: TestServer[] = [];
let clockMs = Date.now();
const now = () => new Date(clockMs);
/** Two instances with the grace, then two without it, pairwise on the two ORMs. */
let graced: [TestServer, TestServer];
let strict: [TestServer, TestServer];

beforeAll(async () => {
  db = await createTestDatabase();
  secondOrm = await createOrm({ url: db.url, rootDir: tmpdir(), quiet: true });
  for (const refreshReuseGraceMs of [GRACE_MS, 0]) {
    for (const orm of [db.orm, secondOrm]) {
      const services = createApiServices({ ...apiConfig, refreshReuseGraceMs }, { now });
      servers.push(await startServer({ orm, services, logLevel: 'silent' }));
    }
  }
  const [a, b, c, d] = servers as [TestServer, TestServer, TestServer, TestServer];
  graced = [a, b];
  strict = [c, d];
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await secondOrm?.close(true);
  await db?.destroy();
});

function refresh(server: TestServer, refreshToken: string) {
  return server.rest<TokenPair>('POST', '/api/auth/refresh', { body: { refreshToken } });
}

/** The `name=value` of a Set-Cookie header. */
function cookieOf(setCookie: string | null): string {
  const pair = setCookie?.split(';')[0];
  if (!pair?.includes('=')) throw new Error(`no cookie in ${String(setCookie)}`);
  return pair;
}

function refreshByCookie(server: TestServer, cookie: string) {
  return server.rest<TokenPair>('POST', '/api/auth/refresh', { body: {}, headers: { ...COOKIE_MODE, cookie } });
}

async function sessionRow(sessionIdOf: string) {
  return repositoriesOf(db.orm.em.fork()).sessions.findOne({ id: sessionIdOf }, { refresh: true });
}

/** The session id (`sid`) a token names. */
function sessionIdOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid: string };
  return payload.sid;
}

describe('refresh reuse grace, two instances on one database', () => {
  it('answers two parallel bearer refreshes with one token, on either instance, with the same new refresh token, round after round', async () => {
    const [a, b] = graced;
    const username = uniqueName('par');
    await register(a, username);
    let refreshToken = (await login(a, username)).refreshToken;
    for (let round = 0; round < 5; round++) {
      clockMs += 1000;
      const answers = await Promise.all([refresh(a, refreshToken), refresh(b, refreshToken)]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const [first, second] = answers.map((answer) => answer.body) as [TokenPair, TokenPair];
      expect(second.refreshToken).toBe(first.refreshToken);
      expect(second.refreshExpiresAt).toBe(first.refreshExpiresAt);
      expect(first.refreshToken).not.toBe(refreshToken);
      // Both access tokens are good, on both instances.
      expect(await meStatus(b, first.accessToken)).toBe(200);
      expect(await meStatus(a, second.accessToken)).toBe(200);
      refreshToken = first.refreshToken;
    }
    // No branch was made: the one current token still rotates.
    clockMs += 1000;
    expect((await refresh(b, refreshToken)).status).toBe(200);
  });

  it('answers the token just rotated, presented again within the grace, with the current refresh token and a new access token', async () => {
    const [a, b] = graced;
    const username = uniqueName('retry');
    await register(a, username);
    const first = await login(a, username);
    clockMs += 1000;
    const rotated = await refresh(a, first.refreshToken);
    expect(rotated.status).toBe(200);
    clockMs += GRACE_MS - 1000;
    const retried = await refresh(b, first.refreshToken);
    expect(retried.status).toBe(200);
    expect(retried.body.refreshToken).toBe(rotated.body.refreshToken);
    expect(retried.body.accessToken).not.toBe(rotated.body.accessToken);
    expect(await meStatus(a, retried.body.accessToken)).toBe(200);
    const row = await sessionRow(sessionIdOf(first.accessToken));
    expect(row?.revokedAt).toBeNull();
  });

  it('answers two parallel cookie-mode refreshes with one cookie, on either instance, with the same new cookie', async () => {
    const [a, b] = graced;
    const username = uniqueName('cookie');
    await register(a, username);
    const signedIn = await a.rest('POST', '/api/auth/login', {
      body: { username, password: 'correct horse battery' },
      headers: COOKIE_MODE,
    });
    expect(signedIn.status).toBe(200);
    let cookie = cookieOf(signedIn.headers.get('set-cookie'));
    for (let round = 0; round < 3; round++) {
      clockMs += 1000;
      const answers = await Promise.all([refreshByCookie(a, cookie), refreshByCookie(b, cookie)]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const [first, second] = answers.map((answer) => cookieOf(answer.headers.get('set-cookie')));
      expect(second).toBe(first);
      expect(first).not.toBe(cookie);
      for (const answer of answers) expect(answer.body).not.toHaveProperty('refreshToken');
      cookie = first as string;
    }
    clockMs += 1000;
    expect((await refreshByCookie(b, cookie)).status).toBe(200);
  });

  it('ends the session, as reuse, when the rotated token comes back after the grace', async () => {
    const [a, b] = graced;
    const username = uniqueName('late');
    await register(a, username);
    const first = await login(a, username);
    const rotated = await refresh(a, first.refreshToken);
    expect(rotated.status).toBe(200);
    clockMs += GRACE_MS;
    expect((await refresh(b, first.refreshToken)).status).toBe(401);
    expect(await meStatus(a, rotated.body.accessToken)).toBe(401);
    expect((await refresh(a, rotated.body.refreshToken)).status).toBe(401);
    expect((await sessionRow(sessionIdOf(first.accessToken)))?.revokedReason).toBe('refresh_reuse');
  });

  it('ends the session when an older token than the one just rotated comes back, even within the grace', async () => {
    const [a, b] = graced;
    const username = uniqueName('older');
    await register(a, username);
    const first = await login(a, username);
    const second = await refresh(a, first.refreshToken);
    const third = await refresh(b, second.body.refreshToken);
    expect(third.status).toBe(200);
    expect((await refresh(a, first.refreshToken)).status).toBe(401);
    expect((await refresh(b, third.body.refreshToken)).status).toBe(401);
    expect((await sessionRow(sessionIdOf(first.accessToken)))?.revokedReason).toBe('refresh_reuse');
  });

  it('with REFRESH_REUSE_GRACE=0 keeps the old rule: of two parallel refreshes one is 200, the other 401, and the session ends', async () => {
    const [c, d] = strict;
    const username = uniqueName('strict');
    await register(c, username);
    const first = await login(c, username);
    const answers = await Promise.all([refresh(c, first.refreshToken), refresh(d, first.refreshToken)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    const winner = answers.find((answer) => answer.status === 200)?.body as TokenPair;
    expect((await refresh(d, winner.refreshToken)).status).toBe(401);
    expect((await sessionRow(sessionIdOf(first.accessToken)))?.revokedReason).toBe('refresh_reuse');
  });

  it('with REFRESH_REUSE_GRACE=0 ends the session when the rotated token is presented again at once', async () => {
    const [c, d] = strict;
    const username = uniqueName('strict2');
    await register(c, username);
    const first = await login(c, username);
    const rotated = await refresh(c, first.refreshToken);
    expect(rotated.status).toBe(200);
    expect((await refresh(d, first.refreshToken)).status).toBe(401);
    expect((await refresh(c, rotated.body.refreshToken)).status).toBe(401);
  });
});
