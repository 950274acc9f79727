import { type AuthThrottle, createApiServices, type TokenPair } from '@repo/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiConfig,
  PASSWORD,
  type RestResponse,
  register,
  startServer,
  type TestServer,
  uniqueName,
  useTestServer,
} from './helpers.js';

const ctx = useTestServer();

const STACK_FRAME = /\n\s+at |node_modules|\.ts:\d+/;

/** A REST error: the status, JSON with `message` and `code`, and no stack trace. */
function expectRestError(res: RestResponse, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ message: expect.any(String), code });
  expect(res.body).not.toHaveProperty('stack');
  expect(res.body).not.toHaveProperty('data.stack');
  expect(res.text).not.toMatch(STACK_FRAME);
}

interface TrpcErrorBody {
  error: { message: string; code: number; data: { code: string; httpStatus: number; stack?: string } };
}

/** A raw tRPC call (no batching), for what the client hides: statuses, headers, bodies. */
async function trpcRaw(
  method: 'GET' | 'POST',
  path: string,
  options: { authorization?: string; body?: string; input?: unknown } = {},
): Promise<RestResponse<TrpcErrorBody>> {
  const headers: Record<string, string> = {};
  if (options.authorization) headers.authorization = options.authorization;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const query = options.input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(options.input))}`;
  const res = await fetch(`${ctx.server.baseUrl}/trpc/${path}${query}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as TrpcErrorBody };
}

/** A tRPC error: the status, a JSON error with message and code, and no stack trace. */
function expectTrpcError(res: RestResponse<TrpcErrorBody>, status: number, code: unknown) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.body.error).toMatchObject({ message: expect.any(String), code: expect.any(Number) });
  expect(res.body.error.data).toMatchObject({ code, httpStatus: status });
  expect(res.body.error.data.stack).toBeUndefined();
  expect(res.text).not.toMatch(STACK_FRAME);
}

describe('400: invalid input names the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a short username', { username: 'ab', password: PASSWORD }, /^username: /],
    ['a username with a space', { username: 'a b c', password: PASSWORD }, /^username: /],
    ['a missing password', { username: 'valid_name' }, /^password: is required/],
    ['a 7-byte password', { username: 'valid_name', password: '1234567' }, /^password: /],
    ['a 73-byte password', { username: 'valid_name', password: 'x'.repeat(73) }, /^password: /],
    ['a 72-character password of 2-byte letters', { username: 'valid_name', password: 'é'.repeat(72) }, /^password: /],
  ];
  for (const [what, body, message] of cases) {
    it(`POST /api/auth/register with ${what}`, async () => {
      const res = await ctx.server.rest('POST', '/api/auth/register', { body });
      expectRestError(res, 400, 'BAD_REQUEST');
      expect(res.body.message).toMatch(message);
    });
    it(`auth.register over tRPC with ${what}`, async () => {
      const res = await trpcRaw('POST', 'auth.register', { body: JSON.stringify(body) });
      expectTrpcError(res, 400, 'BAD_REQUEST');
      expect(res.body.error.message).toMatch(message);
    });
  }

  it('POST /api/auth/refresh without a refresh token', async () => {
    const res = await ctx.server.rest('POST', '/api/auth/refresh', { body: {} });
    expectRestError(res, 400, 'BAD_REQUEST');
    expect(res.body.message).toMatch(/^refreshToken: /);
  });

  it('GET /api/users with a limit out of range or not a number', async () => {
    const pair = await register(ctx.server);
    for (const limit of ['0', '101', 'ten']) {
      const res = await ctx.server.rest('GET', `/api/users?limit=${limit}`, { token: pair.accessToken });
      expectRestError(res, 400, 'BAD_REQUEST');
      expect(res.body.message).toMatch(/^limit: /);
    }
  });

  it('GET /api/users/{id} with an over-long id', async () => {
    const pair = await register(ctx.server);
    const res = await ctx.server.rest('GET', `/api/users/${'x'.repeat(65)}`, { token: pair.accessToken });
    expectRestError(res, 400, 'BAD_REQUEST');
    expect(res.body.message).toMatch(/^id: /);
  });

  it('user.list over tRPC with limit 0', async () => {
    const pair = await register(ctx.server);
    const res = await trpcRaw('GET', 'user.list', { authorization: `Bearer ${pair.accessToken}`, input: { limit: 0 } });
    expectTrpcError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.message).toMatch(/^limit: /);
  });
});

describe('400: malformed JSON', () => {
  it('POST /api/auth/login with a truncated JSON body', async () => {
    const res = await ctx.server.rest('POST', '/api/auth/login', { body: '{"username":' });
    expectRestError(res, 400, 'PARSE_ERROR');
  });

  it('auth.login over tRPC with a truncated JSON body', async () => {
    const res = await trpcRaw('POST', 'auth.login', { body: '{"username":' });
    expectTrpcError(res, 400, expect.stringMatching(/^(BAD_REQUEST|PARSE_ERROR)$/));
  });
});

describe('401: missing, malformed, expired, revoked or wrong-type tokens', () => {
  let pair: TokenPair;
  let revoked: TokenPair;
  let expired: TokenPair;
  let foreign: TokenPair;
  const alsoPast: TestServer[] = [];

  beforeAll(async () => {
    pair = await register(ctx.server);
    revoked = await register(ctx.server);
    expect((await ctx.server.rest('POST', '/api/auth/logout', { token: revoked.accessToken })).status).toBe(200);

    // Tokens issued two hours ago (on the same secrets): both already expired.
    const past = await startServer({
      orm: ctx.db.orm,
      services: createApiServices(
        { ...apiConfig, refreshTtlMs: 3_600_000 },
        { now: () => new Date(Date.now() - 2 * 3_600_000) },
      ),
    });
    alsoPast.push(past);
    expired = await register(past);

    // Tokens signed with other secrets.
    const other = await startServer({
      orm: ctx.db.orm,
      services: createApiServices({
        ...apiConfig,
        accessSecret: 'another-access-secret-of-at-least-32-bytes',
        refreshSecret: 'another-refresh-secret-of-at-least-32-bytes',
      }),
    });
    alsoPast.push(other);
    foreign = await register(other);
  });
  afterAll(async () => {
    for (const s of alsoPast) await s.close();
  });

  const authorizations: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['a Basic scheme', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['a Bearer scheme without a token', () => 'Bearer'],
    ['a token that is not a JWT', () => 'Bearer not-a-jwt'],
    ['a tampered token', () => `Bearer ${pair.accessToken.slice(0, -3)}abc`],
    ['a token signed with another secret', () => `Bearer ${foreign.accessToken}`],
    ['an expired access token', () => `Bearer ${expired.accessToken}`],
    ['the access token of a session that logged out', () => `Bearer ${revoked.accessToken}`],
    ['a refresh token in place of an access token', () => `Bearer ${pair.refreshToken}`],
  ];
  for (const [what, authorization] of authorizations) {
    it(`GET /api/users/me with ${what}`, async () => {
      const auth = authorization();
      const res = await ctx.server.rest('GET', '/api/users/me', { headers: auth ? { authorization: auth } : {} });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });
    it(`user.me over tRPC with ${what}`, async () => {
      const auth = authorization();
      const res = await trpcRaw('GET', 'user.me', auth ? { authorization: auth } : {});
      expectTrpcError(res, 401, 'UNAUTHORIZED');
    });
  }

  it('the valid token of these tests is accepted (so the 401s above are about the token)', async () => {
    expect((await ctx.server.rest('GET', '/api/users/me', { token: pair.accessToken })).status).toBe(200);
    const res = await fetch(`${ctx.server.baseUrl}/trpc/user.me`, {
      headers: { authorization: `Bearer ${pair.accessToken}` },
    });
    expect(res.status).toBe(200);
  });

  it('the expired access token is refused as expired', async () => {
    const res = await ctx.server.rest('GET', '/api/users/me', { token: expired.accessToken });
    expectRestError(res, 401, 'UNAUTHORIZED');
    expect(res.body.message).toMatch(/expired/i);
  });

  const refreshTokens: [string, () => string][] = [
    ['an expired refresh token', () => expired.refreshToken],
    ['an access token in place of a refresh token', () => pair.accessToken],
    ['the refresh token of a session that logged out', () => revoked.refreshToken],
    ['a refresh token signed with another secret', () => foreign.refreshToken],
    ['garbage', () => 'garbage'],
  ];
  for (const [what, token] of refreshTokens) {
    it(`POST /api/auth/refresh with ${what}`, async () => {
      const res = await ctx.server.rest('POST', '/api/auth/refresh', { body: { refreshToken: token() } });
      expectRestError(res, 401, 'UNAUTHORIZED');
    });
    it(`auth.refresh over tRPC with ${what}`, async () => {
      const res = await trpcRaw('POST', 'auth.refresh', { body: JSON.stringify({ refreshToken: token() }) });
      expectTrpcError(res, 401, 'UNAUTHORIZED');
    });
  }

  it('every protected REST route refuses a request without a token', async () => {
    const routes: [string, string][] = [
      ['POST', '/api/auth/logout'],
      ['POST', '/api/auth/logout-all'],
      ['GET', '/api/users/me'],
      ['GET', '/api/users'],
      ['GET', `/api/users/${pair.user.id}`],
      ['POST', '/api/users/me/password'],
    ];
    for (const [method, path] of routes) {
      const body = path.endsWith('/password')
        ? { currentPassword: PASSWORD, newPassword: 'whatever works' }
        : undefined;
      const res = await ctx.server.rest(method, path, body ? { body } : {});
      expectRestError(res, 401, 'UNAUTHORIZED');
    }
  });
});

describe('401: bad credentials', () => {
  it('a wrong password and an unknown username get the same status and body over REST', async () => {
    const username = uniqueName('cred');
    await register(ctx.server, username);
    const wrongPassword = await ctx.server.rest('POST', '/api/auth/login', {
      body: { username, password: 'not the right one' },
    });
    const unknownUser = await ctx.server.rest('POST', '/api/auth/login', {
      body: { username: uniqueName('nobody'), password: PASSWORD },
    });
    expectRestError(wrongPassword, 401, 'UNAUTHORIZED');
    expect(unknownUser.status).toBe(wrongPassword.status);
    expect(unknownUser.text).toBe(wrongPassword.text);
  });

  it('a wrong password and an unknown username get the same status and body over tRPC', async () => {
    const username = uniqueName('cred');
    await register(ctx.server, username);
    const wrongPassword = await trpcRaw('POST', 'auth.login', {
      body: JSON.stringify({ username, password: 'not the right one' }),
    });
    const unknownUser = await trpcRaw('POST', 'auth.login', {
      body: JSON.stringify({ username: uniqueName('nobody'), password: PASSWORD }),
    });
    expectTrpcError(wrongPassword, 401, 'UNAUTHORIZED');
    expect(unknownUser.status).toBe(wrongPassword.status);
    expect(unknownUser.text).toBe(wrongPassword.text);
  });
});

describe('404', () => {
  it('GET /api/users/{id} for an unknown id', async () => {
    const pair = await register(ctx.server);
    const res = await ctx.server.rest('GET', '/api/users/00000000-0000-7000-8000-000000000000', {
      token: pair.accessToken,
    });
    expectRestError(res, 404, 'NOT_FOUND');
  });

  it('an unknown route, under /api and elsewhere, is JSON { message, code }', async () => {
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['POST', '/api/auth/nope'],
      ['DELETE', '/api/users/me'],
      ['GET', '/nope'],
    ] as const) {
      const res = await ctx.server.rest(method, path);
      expectRestError(res, 404, 'NOT_FOUND');
    }
  });

  it('an unknown tRPC procedure', async () => {
    const res = await trpcRaw('GET', 'user.nope');
    expectTrpcError(res, 404, 'NOT_FOUND');
  });
});

describe('409: username taken', () => {
  it('POST /api/auth/register with a taken username, in the same or another letter case', async () => {
    const username = uniqueName('Dup');
    await register(ctx.server, username);
    for (const again of [username, username.toLowerCase(), username.toUpperCase()]) {
      const res = await ctx.server.rest('POST', '/api/auth/register', {
        body: { username: again, password: PASSWORD },
      });
      expectRestError(res, 409, 'CONFLICT');
      expect(res.body.message).toMatch(/^username: /);
    }
  });

  it('auth.register over tRPC with a taken username in another letter case', async () => {
    const username = uniqueName('Dup');
    await register(ctx.server, username);
    const res = await trpcRaw('POST', 'auth.register', {
      body: JSON.stringify({ username: username.toUpperCase(), password: PASSWORD }),
    });
    expectTrpcError(res, 409, 'CONFLICT');
  });
});

describe('413: body over 100 kB', () => {
  const big = JSON.stringify({ username: 'big_body', password: 'x'.repeat(150 * 1024) });

  it('POST /api/auth/register answers 413 in JSON', async () => {
    const res = await ctx.server.rest('POST', '/api/auth/register', { body: big });
    expectRestError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('auth.register over tRPC answers 413 in JSON', async () => {
    const res = await trpcRaw('POST', 'auth.register', { body: big });
    expectTrpcError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body just under the limit is not refused for its size', async () => {
    const res = await ctx.server.rest('POST', '/api/auth/register', {
      body: JSON.stringify({ username: 'almost_big', password: PASSWORD, padding: 'x'.repeat(90 * 1024) }),
    });
    expect(res.status).toBe(200);
  });
});

describe('500: unexpected failures', () => {
  it('answer 500 with a generic message and no internals, over REST and tRPC', async () => {
    const internals = 'connect to /var/lib/secret.sock failed';
    const broken: AuthThrottle = {
      takePasswordAttempt: () => Promise.reject(new Error(internals)),
      passwordAccepted: () => Promise.resolve(),
      takeRegistration: () => Promise.resolve(0),
      takePasswordResetRequest: () => Promise.resolve({ retryAfterSeconds: 0, maySend: true }),
      takeVerificationMail: () => Promise.resolve(0),
      takeMail: () => Promise.resolve(true),
      takeOidcAttempt: () => Promise.resolve(0),
    };
    const brokenServer = await startServer({
      orm: ctx.db.orm,
      services: createApiServices(apiConfig, { throttle: broken }),
    });
    try {
      const rest = await brokenServer.rest('POST', '/api/auth/login', {
        body: { username: 'anyone', password: PASSWORD },
      });
      expectRestError(rest, 500, 'INTERNAL_SERVER_ERROR');
      expect(rest.text).not.toContain(internals);

      const res = await fetch(`${brokenServer.baseUrl}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'anyone', password: PASSWORD }),
      });
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ error: { message: expect.any(String), data: { httpStatus: 500 } } });
      expect(text).not.toContain(internals);
      expect(text).not.toMatch(STACK_FRAME);

      // The log keeps what the response hides.
      expect(brokenServer.logLines.some((line) => line.includes(internals))).toBe(true);
    } finally {
      await brokenServer.close();
    }
  });
});
