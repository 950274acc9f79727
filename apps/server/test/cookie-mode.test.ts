/**
 * Browser sessions (cookie mode, API.md): every rule of the contract section,
 * over REST and tRPC, on this project's database (both, as every server test).
 */
import { createApiServices, REFRESH_COOKIE_NAME } from '@repo/api';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { apiConfig, meStatus, PASSWORD, startServer, uniqueName, useTestServer } from './helpers.js';
import { rawClient } from './raw-http.js';

const ALLOWED = 'http://app.allowed.test';
const FOREIGN = 'http://evil.test';
const COOKIE = { 'x-session-mode': 'cookie' } as const;
const NAME = REFRESH_COOKIE_NAME.secure;

const ctx = useTestServer({ corsOrigins: [ALLOWED] });

type Procedure = 'auth.register' | 'auth.login' | 'auth.refresh' | 'auth.logout' | 'auth.logoutAll';
const REST_PATHS: Record<Procedure, string> = {
  'auth.register': '/api/auth/register',
  'auth.login': '/api/auth/login',
  'auth.refresh': '/api/auth/refresh',
  'auth.logout': '/api/auth/logout',
  'auth.logoutAll': '/api/auth/logout-all',
};

interface Answer {
  status: number;
  /** The Set-Cookie header, or null. */
  setCookie: string | null;
  /** The procedure's output on success. */
  data: Record<string, unknown> | undefined;
  /** `{ message, code }` on failure, the same for both faces. */
  error: { message: string; code: string } | undefined;
  /** The body as sent. */
  text: string;
}

/** Calls a procedure over REST (`rest`) or tRPC (`trpc`) and reads the answer the same way for both. */
async function call(
  face: 'rest' | 'trpc',
  procedure: Procedure,
  options: { body?: unknown; headers?: Record<string, string>; token?: string } = {},
): Promise<Answer> {
  const path = face === 'rest' ? REST_PATHS[procedure] : `/trpc/${procedure}`;
  // tRPC wants a JSON content type even on a bodiless POST (logout).
  const headers = face === 'trpc' ? { 'content-type': 'application/json', ...options.headers } : options.headers;
  const res = await ctx.server.rest<Record<string, unknown>>('POST', path, { ...options, headers });
  const body = res.body as {
    result?: { data?: Record<string, unknown> };
    error?: { message: string; data: { code: string } };
    message?: string;
    code?: string;
  };
  const isOk = res.status === 200;
  const error =
    face === 'trpc'
      ? body.error && { message: body.error.message, code: body.error.data.code }
      : isOk
        ? undefined
        : { message: String(body.message), code: String(body.code) };
  return {
    status: res.status,
    setCookie: res.headers.get('set-cookie'),
    data: isOk ? (face === 'trpc' ? body.result?.data : res.body) : undefined,
    error,
    text: res.text,
  };
}

interface ParsedCookie {
  name: string;
  value: string;
  /** Attribute names in lower case, with their values ('' for flags). */
  attributes: Map<string, string>;
}

function parseSetCookie(header: string | null): ParsedCookie {
  if (!header) throw new Error('no Set-Cookie header');
  const [pair = '', ...rest] = header.split(';').map((part) => part.trim());
  const separator = pair.indexOf('=');
  return {
    name: pair.slice(0, separator),
    value: pair.slice(separator + 1),
    attributes: new Map(
      rest.map((attribute) => {
        const [key = '', value = ''] = attribute.split('=');
        return [key.toLowerCase(), value];
      }),
    ),
  };
}

/** The Cookie request header a browser would send back. */
const cookieHeader = (cookie: ParsedCookie) => ({ cookie: `${cookie.name}=${cookie.value}` });

/** Signs in a new account in cookie mode: the access token and the cookie. */
async function cookies(face: 'rest' | 'trpc' = 'rest') {
  const answer = await call(face, 'auth.register', {
    body: { username: uniqueName('ck'), password: PASSWORD },
    headers: COOKIE,
  });
  expect(answer.status).toBe(200);
  return { accessToken: String(answer.data?.accessToken), cookie: parseSetCookie(answer.setCookie) };
}

for (const face of ['rest', 'trpc'] as const) {
  describe(`cookie mode over ${face === 'rest' ? 'REST' : 'tRPC'}`, () => {
    for (const procedure of ['auth.register', 'auth.login'] as const) {
      it(`${procedure} with X-Session-Mode: cookie sets the refresh token as an HttpOnly, SameSite=Strict, Secure cookie for / and leaves it out of the body`, async () => {
        const username = uniqueName('opt');
        if (procedure === 'auth.login') await call(face, 'auth.register', { body: { username, password: PASSWORD } });
        const before = Date.now();
        const answer = await call(face, procedure, { body: { username, password: PASSWORD }, headers: COOKIE });
        const after = Date.now();
        expect(answer.status).toBe(200);
        expect(answer.data).not.toHaveProperty('refreshToken');
        expect(answer.data).toMatchObject({ tokenType: 'Bearer', user: { username } });
        const cookie = parseSetCookie(answer.setCookie);
        expect(cookie.name).toBe(NAME);
        expect(cookie.value.split('.')).toHaveLength(3);
        expect(cookie.attributes.has('httponly')).toBe(true);
        expect(cookie.attributes.get('samesite')).toBe('Strict');
        expect(cookie.attributes.has('secure')).toBe(true);
        expect(cookie.attributes.get('path')).toBe('/');
        expect(cookie.attributes.has('domain')).toBe(false);
        // Max-Age is what remains of the refresh token's life when the answer was written.
        const refreshExpiresAt = Number(answer.data?.refreshExpiresAt);
        const maxAge = Number(cookie.attributes.get('max-age'));
        expect(maxAge).toBeLessThanOrEqual(Math.floor((refreshExpiresAt - before) / 1000));
        expect(maxAge).toBeGreaterThanOrEqual(Math.floor((refreshExpiresAt - after) / 1000));
        expect(maxAge).toBeGreaterThan(apiConfig.refreshTtlMs / 1000 - 60);
        expect(answer.text).not.toContain(cookie.value);
        // The access token of the body works as in bearer mode.
        expect(await meStatus(ctx.server, String(answer.data?.accessToken))).toBe(200);
      });

      it(`${procedure} without the header answers as before: the refresh token in the body, no cookie`, async () => {
        const username = uniqueName('bear');
        if (procedure === 'auth.login') await call(face, 'auth.register', { body: { username, password: PASSWORD } });
        const answer = await call(face, procedure, { body: { username, password: PASSWORD } });
        expect(answer.status).toBe(200);
        expect(typeof answer.data?.refreshToken).toBe('string');
        expect(answer.setCookie).toBeNull();
      });
    }

    it('auth.refresh with the header and no refreshToken reads the cookie, rotates it and sets the new one', async () => {
      const { cookie } = await cookies(face);
      const answer = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
      expect(answer.status).toBe(200);
      expect(answer.data).not.toHaveProperty('refreshToken');
      const next = parseSetCookie(answer.setCookie);
      expect(next.name).toBe(NAME);
      expect(next.value).not.toBe(cookie.value);
      expect(next.attributes.has('httponly')).toBe(true);
      expect(Number(next.attributes.get('max-age'))).toBeGreaterThan(0);
      expect(await meStatus(ctx.server, String(answer.data?.accessToken))).toBe(200);
      // And the new cookie refreshes in turn.
      const again = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(next) } });
      expect(again.status).toBe(200);
    });

    it('a rotated cookie presented again is refused and revokes the session: its newer cookie and access token too', async () => {
      const { cookie } = await cookies(face);
      const rotated = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
      const newer = parseSetCookie(rotated.setCookie);
      const reuse = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
      expect(reuse.status).toBe(401);
      expect(reuse.error?.message).toMatch(/reuse/);
      // A refused cookie is cleared.
      expect(parseSetCookie(reuse.setCookie).attributes.get('max-age')).toBe('0');
      const withNewer = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(newer) } });
      expect(withNewer.status).toBe(401);
      expect(await meStatus(ctx.server, String(rotated.data?.accessToken))).toBe(401);
    });

    it('a cookie without X-Session-Mode is never read: 403, and the session is untouched', async () => {
      const { cookie } = await cookies(face);
      const forged = await call(face, 'auth.refresh', { body: {}, headers: cookieHeader(cookie) });
      expect(forged.status).toBe(403);
      expect(forged.error?.code).toBe('FORBIDDEN');
      expect(forged.error?.message).toMatch(/X-Session-Mode: cookie/);
      expect(forged.setCookie).toBeNull();
      // Not a reuse: the cookie still refreshes with the header.
      const honest = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
      expect(honest.status).toBe(200);
    });

    it('without the header and without a cookie, a missing refreshToken is still a 400 naming the field', async () => {
      const answer = await call(face, 'auth.refresh', { body: {} });
      expect(answer.status).toBe(400);
      expect(answer.error?.message).toMatch(/^refreshToken: is required/);
    });

    it('with the header but no cookie, auth.refresh is a 401', async () => {
      const answer = await call(face, 'auth.refresh', { body: {}, headers: COOKIE });
      expect(answer.status).toBe(401);
      expect(answer.error?.message).toMatch(/cookie/);
    });

    it('with the header and a refreshToken in the body, the body wins and the new token goes to the cookie', async () => {
      const bearer = await call(face, 'auth.register', { body: { username: uniqueName('mix'), password: PASSWORD } });
      const answer = await call(face, 'auth.refresh', {
        body: { refreshToken: bearer.data?.refreshToken },
        headers: COOKIE,
      });
      expect(answer.status).toBe(200);
      expect(answer.data).not.toHaveProperty('refreshToken');
      expect(parseSetCookie(answer.setCookie).name).toBe(NAME);
    });

    it('the header with the cookie of a revoked (signed-out) session is a 401 and clears the cookie', async () => {
      const { accessToken, cookie } = await cookies(face);
      expect((await call(face, 'auth.logout', { token: accessToken })).status).toBe(200);
      const answer = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
      expect(answer.status).toBe(401);
      expect(parseSetCookie(answer.setCookie).attributes.get('max-age')).toBe('0');
    });

    it('a cookie longer than a refresh token may be is a 401, like a body refreshToken over its bound is refused', async () => {
      const { cookie } = await cookies(face);
      const long = { ...cookie, value: `${cookie.value}${'x'.repeat(4097 - cookie.value.length)}` };
      const answer = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(long) } });
      expect(answer.status).toBe(401);
      // The real cookie still works: the long one was refused before any session was touched.
      const honest = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
      expect(honest.status).toBe(200);
    });

    for (const [what, origin, status] of [
      ['a foreign Origin', FOREIGN, 403],
      ['the Origin "null" (a sandboxed page)', 'null', 403],
      ['an Origin listed in CORS_ORIGINS', ALLOWED, 200],
      ['the server’s own Origin', 'own', 200],
    ] as const) {
      it(`cookie mode with ${what} is ${status === 403 ? 'refused before anything happens' : 'accepted'}`, async () => {
        const { cookie } = await cookies(face);
        const headers = { ...COOKIE, ...cookieHeader(cookie), origin: origin === 'own' ? ctx.server.baseUrl : origin };
        const answer = await call(face, 'auth.refresh', { body: {}, headers });
        expect(answer.status).toBe(status);
        if (status === 403) {
          expect(answer.setCookie).toBeNull();
          // Not even a reuse: the session still refreshes from the right origin.
          const honest = await call(face, 'auth.refresh', {
            body: {},
            headers: { ...COOKIE, ...cookieHeader(cookie) },
          });
          expect(honest.status).toBe(200);
          const login = await call(face, 'auth.login', {
            body: { username: uniqueName('x'), password: PASSWORD },
            headers: { ...COOKIE, origin },
          });
          expect(login.status).toBe(403);
        }
      });
    }

    for (const procedure of ['auth.logout', 'auth.logoutAll'] as const) {
      it(`${procedure} with the header ends the session and clears the cookie (Max-Age=0)`, async () => {
        const { accessToken, cookie } = await cookies(face);
        const answer = await call(face, procedure, { token: accessToken, headers: COOKIE });
        expect(answer.status).toBe(200);
        const cleared = parseSetCookie(answer.setCookie);
        expect(cleared.name).toBe(NAME);
        expect(cleared.value).toBe('');
        expect(cleared.attributes.get('max-age')).toBe('0');
        expect(cleared.attributes.get('path')).toBe('/');
        const refresh = await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
        expect(refresh.status).toBe(401);
      });

      it(`${procedure} without the header sets no cookie`, async () => {
        const { accessToken } = await cookies(face);
        const answer = await call(face, procedure, { token: accessToken });
        expect(answer.status).toBe(200);
        expect(answer.setCookie).toBeNull();
      });
    }

    it('an X-Session-Mode other than cookie or bearer is a 400 naming the header', async () => {
      const answer = await call(face, 'auth.login', {
        body: { username: uniqueName('m'), password: PASSWORD },
        headers: { 'x-session-mode': 'cookies' },
      });
      expect(answer.status).toBe(400);
      expect(answer.error?.message).toMatch(/^X-Session-Mode: /);
    });

    it('X-Session-Mode: bearer is bearer mode', async () => {
      const answer = await call(face, 'auth.register', {
        body: { username: uniqueName('b'), password: PASSWORD },
        headers: { 'x-session-mode': 'bearer' },
      });
      expect(answer.status).toBe(200);
      expect(typeof answer.data?.refreshToken).toBe('string');
      expect(answer.setCookie).toBeNull();
    });

    it('of parallel refreshes with one cookie, one rotates and the others count as reuse: the session is revoked', async () => {
      const { cookie } = await cookies(face);
      const answers = await Promise.all(
        Array.from({ length: 4 }, () =>
          call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } }),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401]);
      const winner = answers.find((answer) => answer.status === 200);
      const next = parseSetCookie(winner?.setCookie ?? null);
      expect(
        (await call(face, 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(next) } })).status,
      ).toBe(401);
    });
  });
}

describe('cookie mode in a tRPC batch', () => {
  it('two refreshes of one cookie in one batch: one succeeds, the other is reuse, and the answer sets one cookie, which is dead', async () => {
    const { cookie } = await cookies();
    const res = await fetch(`${ctx.server.baseUrl}/trpc/auth.refresh,auth.refresh?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...COOKIE, ...cookieHeader(cookie) },
      body: JSON.stringify({ 0: {}, 1: {} }),
    });
    const results = (await res.json()) as { result?: unknown; error?: unknown }[];
    expect(results.filter((r) => r.result)).toHaveLength(1);
    expect(results.filter((r) => r.error)).toHaveLength(1);
    // One Set-Cookie for the batch (the last change wins); whichever it is, the session is revoked.
    expect(res.headers.getSetCookie()).toHaveLength(1);
    const last = parseSetCookie(res.headers.get('set-cookie'));
    const refresh = await call('rest', 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(last) } });
    expect(refresh.status).toBe(401);
  });
});

describe('cookie mode on two server instances', () => {
  it('one cookie sent to two instances at once rotates on one; the other sees a reuse and the session is revoked', async () => {
    const twin = await startServer({ orm: ctx.db.orm, corsOrigins: [ALLOWED] });
    try {
      const { cookie } = await cookies();
      const headers = { 'content-type': 'application/json', ...COOKIE, ...cookieHeader(cookie) };
      const answers = await Promise.all(
        [ctx.server, twin].map((instance) =>
          fetch(`${instance.baseUrl}/api/auth/refresh`, { method: 'POST', headers, body: '{}' }),
        ),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
      const winner = answers.find((answer) => answer.status === 200);
      const next = parseSetCookie(winner?.headers.get('set-cookie') ?? null);
      const after = await call('rest', 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(next) } });
      expect(after.status).toBe(401);
    } finally {
      await twin.close();
    }
  });
});

describe('the cookie value stays out of bodies and logs', () => {
  it('no log line and no response body holds a cookie the server set', async () => {
    const { cookie } = await cookies();
    const refreshed = await call('rest', 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(cookie) } });
    const next = parseSetCookie(refreshed.setCookie);
    await call('trpc', 'auth.refresh', { body: {}, headers: { ...COOKIE, ...cookieHeader(next) } });
    for (const value of [cookie.value, next.value]) {
      for (const line of ctx.server.logLines) expect(line.includes(value)).toBe(false);
      for (const body of ctx.server.responseBodies) expect(body.includes(value)).toBe(false);
    }
  });
});

describe('CORS with credentials', () => {
  function preflight(origin: string) {
    return fetch(`${ctx.server.baseUrl}/trpc/auth.refresh`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-session-mode',
      },
    });
  }

  it('an origin of CORS_ORIGINS gets Allow-Credentials and X-Session-Mode among the allowed headers', async () => {
    const res = await preflight(ALLOWED);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-session-mode');
    const answer = await fetch(`${ctx.server.baseUrl}/healthz`, { headers: { origin: ALLOWED } });
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('vary')?.toLowerCase()).toContain('origin');
  });

  it('any other origin gets no CORS header at all, never "*"', async () => {
    for (const origin of [FOREIGN, 'null', `${ALLOWED}:8080`]) {
      for (const res of [
        await preflight(origin),
        await fetch(`${ctx.server.baseUrl}/healthz`, { headers: { origin } }),
      ]) {
        const cors = [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));
        expect(cors, origin).toEqual([]);
      }
    }
  });
});

describe('the Secure attribute', () => {
  async function cookieThrough(
    options: { isProduction?: boolean; trustProxy?: number },
    headers: Record<string, string>,
  ) {
    const app = createApp({
      orm: ctx.db.orm,
      services: createApiServices(apiConfig),
      logger: createLogger({ level: 'silent', isPretty: false }),
      corsOrigins: [],
      ...options,
    });
    const listener = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => listener.once('listening', resolve));
    const { port } = listener.address() as { port: number };
    const client = rawClient(`http://127.0.0.1:${port}`);
    try {
      const body = JSON.stringify({ username: uniqueName('sec'), password: PASSWORD });
      const res = await client.send({
        method: 'POST',
        path: '/api/auth/register',
        headers: { 'content-type': 'application/json', ...COOKIE, ...headers },
        body,
      });
      expect(res.status).toBe(200);
      const setCookie = res.headers['set-cookie'];
      return parseSetCookie(Array.isArray(setCookie) ? (setCookie[0] ?? null) : null);
    } finally {
      client.close();
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  }

  it('in development over plain http to a host other than localhost, it is left off (and the name is not __Host-)', async () => {
    const cookie = await cookieThrough({}, { host: 'devbox.lan:3000' });
    expect(cookie.attributes.has('secure')).toBe(false);
    expect(cookie.name).toBe(REFRESH_COOKIE_NAME.plain);
    expect(cookie.attributes.has('httponly')).toBe(true);
  });

  it('in development over http to localhost, it is set', async () => {
    const cookie = await cookieThrough({}, { host: 'localhost:5173' });
    expect(cookie.attributes.has('secure')).toBe(true);
    expect(cookie.name).toBe(NAME);
  });

  it('in development over https (as a trusted proxy says), it is set', async () => {
    const cookie = await cookieThrough({ trustProxy: 1 }, { host: 'devbox.lan', 'x-forwarded-proto': 'https' });
    expect(cookie.attributes.has('secure')).toBe(true);
  });

  it('in production it is always set, even over plain http to another host', async () => {
    const cookie = await cookieThrough({ isProduction: true }, { host: 'devbox.lan:3000' });
    expect(cookie.attributes.has('secure')).toBe(true);
    expect(cookie.name).toBe(NAME);
  });

  it('a plain-http cookie is read back under its own name', async () => {
    // Same decision on the way in: a request to the same host reads the plain name.
    const answer = await call('rest', 'auth.refresh', {
      body: {},
      headers: { ...COOKIE, cookie: `${REFRESH_COOKIE_NAME.plain}=x.y.z` },
    });
    // 127.0.0.1 is loopback: only the __Host- name counts there, so this is "no cookie".
    expect(answer.status).toBe(401);
    expect(answer.error?.message).toMatch(/No session cookie/);
  });
});
