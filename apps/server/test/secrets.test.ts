import type { TokenPair, TokenPairResponse } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startServer, type TestServer, uniqueName } from './helpers.js';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  // The most talkative level: whatever any level would log is checked.
  server = await startServer({ orm: db.orm, logLevel: 'trace' });
});
afterAll(async () => {
  await server?.close();
  await db?.destroy();
});

const FIRST_PASSWORD = 'first-Secret-passphrase-1';
const SECOND_PASSWORD = 'second-Secret-passphrase-2';
const WRONG_PASSWORD = 'wrong-Secret-passphrase-3';
const TOO_LONG_PASSWORD = `too-long-Secret-${'z'.repeat(70)}`;

describe('secrets never leak', () => {
  const issuedPairs: TokenPairResponse[] = [];
  /** Bodies of responses that must not carry any token. */
  const tokenFreeBodies: string[] = [];
  const requestId = 'secret-flow-req-1';

  beforeAll(async () => {
    const username = uniqueName('leak');
    const trpc = server.trpc();

    const registered = await server.rest<TokenPair>('POST', '/api/auth/register', {
      body: { username, password: FIRST_PASSWORD },
      headers: { 'x-request-id': requestId },
    });
    expect(registered.status).toBe(200);
    issuedPairs.push(registered.body);

    const loggedIn = await server.rest<TokenPair>('POST', '/api/auth/login', {
      body: { username, password: FIRST_PASSWORD },
    });
    expect(loggedIn.status).toBe(200);
    issuedPairs.push(loggedIn.body);
    issuedPairs.push(signedIn(await trpc.auth.login.mutate({ username, password: FIRST_PASSWORD })));

    const refreshed = await server.rest<TokenPair>('POST', '/api/auth/refresh', {
      body: { refreshToken: loggedIn.body.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    issuedPairs.push(refreshed.body);

    const tokenFree = async (res: Promise<{ text: string; status: number }>, status: number) => {
      const { text, status: actual } = await res;
      expect(actual).toBe(status);
      tokenFreeBodies.push(text);
    };
    await tokenFree(server.rest('GET', '/api/users/me', { token: refreshed.body.accessToken }), 200);
    await tokenFree(
      server.rest('POST', '/api/users/me/password', {
        token: refreshed.body.accessToken,
        body: { currentPassword: FIRST_PASSWORD, newPassword: SECOND_PASSWORD },
      }),
      200,
    );
    await tokenFree(
      server.rest('POST', '/api/users/me/password', {
        token: refreshed.body.accessToken,
        body: { currentPassword: WRONG_PASSWORD, newPassword: SECOND_PASSWORD },
      }),
      400,
    );
    await tokenFree(server.rest('POST', '/api/auth/login', { body: { username, password: WRONG_PASSWORD } }), 401);
    await tokenFree(server.rest('POST', '/api/auth/login', { body: { username, password: TOO_LONG_PASSWORD } }), 400);
    // The retired refresh token again (reuse), and the now revoked access token.
    await tokenFree(
      server.rest('POST', '/api/auth/refresh', { body: { refreshToken: loggedIn.body.refreshToken } }),
      401,
    );
    await tokenFree(server.rest('GET', '/api/users/me', { token: refreshed.body.accessToken }), 401);
    await tokenFree(server.rest('GET', '/api/users/me', { token: registered.body.accessToken }), 401);
    const failed = await trpc.auth.login.mutate({ username, password: WRONG_PASSWORD }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    await tokenFree(server.rest('GET', '/api/users', { token: issuedPairs[2]?.accessToken }), 401);
  });

  /** Every token of bearer-mode pairs (which always carry the refresh token). */
  const tokensOf = (pairs: TokenPairResponse[]) =>
    pairs.flatMap((p) => {
      if (p.refreshToken === undefined) throw new Error('a bearer-mode pair without its refresh token');
      return [p.accessToken, p.refreshToken];
    });
  const secretsOf = (pairs: TokenPairResponse[]) => [
    FIRST_PASSWORD,
    SECOND_PASSWORD,
    WRONG_PASSWORD,
    TOO_LONG_PASSWORD,
    '$2b$',
    ...tokensOf(pairs),
  ];

  it('no captured log line contains a password, a password hash or a token', () => {
    expect(issuedPairs).toHaveLength(4);
    expect(server.logLines.length).toBeGreaterThan(10);
    const secrets = secretsOf(issuedPairs);
    for (const line of server.logLines) {
      for (const secret of secrets) expect(line.includes(secret), `log line leaks ${secret}:\n${line}`).toBe(false);
    }
  });

  it('no response body contains a password or a password hash, and only token pairs carry tokens', () => {
    const secrets = secretsOf([]);
    expect(server.responseBodies.length).toBeGreaterThan(10);
    for (const body of server.responseBodies) {
      for (const secret of secrets) expect(body.includes(secret), `response leaks ${secret}:\n${body}`).toBe(false);
    }
    const tokens = tokensOf(issuedPairs);
    expect(tokenFreeBodies.length).toBe(9);
    for (const body of tokenFreeBodies) {
      for (const token of tokens) expect(body.includes(token), `response leaks a token:\n${body}`).toBe(false);
    }
    // Each token appears in exactly the one response that issued it.
    for (const token of tokens) {
      expect(server.responseBodies.filter((body) => body.includes(token))).toHaveLength(1);
    }
  });

  it('request log lines carry the request id and a response time', () => {
    const entries = server.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completed = entries.filter((e) => e.responseTime !== undefined);
    expect(completed.length).toBeGreaterThan(10);
    for (const entry of completed) {
      expect(entry).toMatchObject({
        req: { id: expect.any(String), method: expect.any(String), url: expect.any(String) },
        res: { statusCode: expect.any(Number) },
        responseTime: expect.any(Number),
      });
    }
    const mine = completed.filter((e) => (e.req as { id?: string }).id === requestId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ req: { method: 'POST', url: '/api/auth/register' }, res: { statusCode: 200 } });
    expect(mine[0]).not.toHaveProperty('req.headers');
    expect(mine[0]).not.toHaveProperty('req.body');
  });
});
