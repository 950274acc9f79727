import type { PublicUser, TokenPair } from '@repo/api';
import { describe, expect, it } from 'vitest';
import { NAVIGATION_ROUTES, TARGETS } from './fuzz-arbitraries.js';
import { login, meStatus, PASSWORD, register, uniqueName, useTestServer } from './helpers.js';

const ctx = useTestServer();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectTokenPair(pair: TokenPair, username: string) {
  expect(pair).toEqual({
    accessToken: expect.any(String),
    refreshToken: expect.any(String),
    tokenType: 'Bearer',
    expiresAt: expect.any(Number),
    refreshExpiresAt: expect.any(Number),
    user: { id: expect.stringMatching(UUID), username, role: 'user', createdAt: expect.any(String) },
  });
  expect(pair.accessToken).not.toBe(pair.refreshToken);
  expect(pair.expiresAt).toBeGreaterThan(Date.now());
  expect(pair.refreshExpiresAt).toBeGreaterThan(pair.expiresAt);
  expect(new Date(pair.user.createdAt).toISOString()).toBe(pair.user.createdAt);
}

describe('REST success paths', () => {
  it('POST /api/auth/register creates an account and returns a token pair', async () => {
    const username = uniqueName('Reg');
    const res = await ctx.server.rest<TokenPair>('POST', '/api/auth/register', {
      body: { username, password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expectTokenPair(res.body, username);
    expect(await meStatus(ctx.server, res.body.accessToken)).toBe(200);
  });

  it('POST /api/auth/login signs in with any letter case of the username', async () => {
    const username = uniqueName('Login');
    const registered = await register(ctx.server, username);
    const res = await ctx.server.rest<TokenPair>('POST', '/api/auth/login', {
      body: { username: username.toUpperCase(), password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expectTokenPair(res.body, username);
    expect(res.body.user.id).toBe(registered.user.id);
    expect(res.body.refreshToken).not.toBe(registered.refreshToken);
  });

  it('POST /api/auth/refresh returns a new token pair for the same user', async () => {
    const username = uniqueName();
    const first = await register(ctx.server, username);
    const res = await ctx.server.rest<TokenPair>('POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(res.status).toBe(200);
    expectTokenPair(res.body, username);
    expect(res.body.user.id).toBe(first.user.id);
    expect(res.body.refreshToken).not.toBe(first.refreshToken);
    expect(res.body.accessToken).not.toBe(first.accessToken);
    expect(await meStatus(ctx.server, res.body.accessToken)).toBe(200);
  });

  it('POST /api/auth/logout ends the session', async () => {
    const pair = await register(ctx.server);
    const res = await ctx.server.rest('POST', '/api/auth/logout', { token: pair.accessToken, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(await meStatus(ctx.server, pair.accessToken)).toBe(401);
  });

  it('POST /api/auth/logout works without any Content-Type or body', async () => {
    const pair = await register(ctx.server);
    const res = await fetch(`${ctx.server.baseUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect(await meStatus(ctx.server, pair.accessToken)).toBe(401);
  });

  it('POST /api/auth/logout-all ends every session and says how many', async () => {
    const username = uniqueName();
    const a = await register(ctx.server, username);
    const b = await login(ctx.server, username);
    const res = await ctx.server.rest('POST', '/api/auth/logout-all', { token: b.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revokedSessions: 2 });
    expect(await meStatus(ctx.server, a.accessToken)).toBe(401);
    expect(await meStatus(ctx.server, b.accessToken)).toBe(401);
  });

  it('GET /api/users/me returns the signed-in user', async () => {
    const pair = await register(ctx.server);
    const res = await ctx.server.rest<PublicUser>('GET', '/api/users/me', { token: pair.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...pair.user, email: null, emailVerified: false, pendingEmail: null });
  });

  it('GET /api/users pages through every user with limit and cursor', async () => {
    const pair = await register(ctx.server);
    for (let i = 0; i < 3; i++) await register(ctx.server);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await ctx.server.rest<{ items: PublicUser[]; nextCursor: string | null }>(
        'GET',
        `/api/users${query}`,
        {
          token: pair.accessToken,
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const user of res.body.items)
        expect(Object.keys(user).sort()).toEqual(['createdAt', 'id', 'role', 'username']);
      seen.push(...res.body.items.map((u) => u.id));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 100);

    const all = await ctx.server.rest<{ items: PublicUser[]; nextCursor: string | null }>(
      'GET',
      '/api/users?limit=100',
      {
        token: pair.accessToken,
      },
    );
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items.length).toBeGreaterThanOrEqual(4);
    expect(seen).toEqual(all.body.items.map((u) => u.id));
    expect(pages).toBe(Math.ceil(seen.length / 2));
    expect(seen).toContain(pair.user.id);
  });

  it('GET /api/users without limit returns the first page of 20 at most', async () => {
    const pair = await register(ctx.server);
    const res = await ctx.server.rest<{ items: PublicUser[] }>('GET', '/api/users', { token: pair.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.length).toBeLessThanOrEqual(20);
  });

  it('GET /api/users?limit= leaves tRPC strict: user.list still refuses a limit sent as a string', async () => {
    const pair = await register(ctx.server);
    const listWithStringLimit = () =>
      fetch(`${ctx.server.baseUrl}/trpc/user.list?input=${encodeURIComponent(JSON.stringify({ limit: '5' }))}`, {
        headers: { authorization: `Bearer ${pair.accessToken}` },
      });
    expect((await listWithStringLimit()).status).toBe(400);
    const page = await ctx.server.rest<{ items: PublicUser[] }>('GET', '/api/users?limit=1', {
      token: pair.accessToken,
    });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    // trpc-to-openapi's middleware makes the procedure's own schema coercing on its first
    // call: this was 200 from then on.
    expect((await listWithStringLimit()).status).toBe(400);
  });

  it('GET /api/users/{id} returns that user', async () => {
    const other = await register(ctx.server);
    const me = await register(ctx.server);
    const res = await ctx.server.rest<PublicUser>('GET', `/api/users/${other.user.id}`, { token: me.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(other.user);
  });

  it('POST /api/users/me/password changes the password', async () => {
    const username = uniqueName();
    const pair = await register(ctx.server, username);
    const newPassword = 'a brand new passphrase';
    const res = await ctx.server.rest('POST', '/api/users/me/password', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD, newPassword },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revokedSessions: 0 });
    const oldLogin = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    expect(oldLogin.status).toBe(401);
    await login(ctx.server, username, newPassword);
  });
});

describe('sessions over REST', () => {
  it('refresh rotates: the old refresh token is refused and its reuse revokes the session', async () => {
    const first = await register(ctx.server);
    const second = await ctx.server.rest<TokenPair>('POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(second.status).toBe(200);
    expect(await meStatus(ctx.server, second.body.accessToken)).toBe(200);

    const reuse = await ctx.server.rest('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ code: 'UNAUTHORIZED', message: expect.any(String) });

    // The whole session is gone: the new access and refresh tokens too.
    expect(await meStatus(ctx.server, second.body.accessToken)).toBe(401);
    const next = await ctx.server.rest('POST', '/api/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    expect(next.status).toBe(401);
  });

  it('logout refuses that session’s access and refresh tokens but keeps other sessions of the user', async () => {
    const username = uniqueName();
    const ended = await register(ctx.server, username);
    const other = await login(ctx.server, username);

    expect((await ctx.server.rest('POST', '/api/auth/logout', { token: ended.accessToken })).status).toBe(200);

    expect(await meStatus(ctx.server, ended.accessToken)).toBe(401);
    const refresh = await ctx.server.rest('POST', '/api/auth/refresh', { body: { refreshToken: ended.refreshToken } });
    expect(refresh.status).toBe(401);

    expect(await meStatus(ctx.server, other.accessToken)).toBe(200);
    const otherRefresh = await ctx.server.rest('POST', '/api/auth/refresh', {
      body: { refreshToken: other.refreshToken },
    });
    expect(otherRefresh.status).toBe(200);
  });

  it('logout-all ends every session of the user, refresh tokens included, and no one else’s', async () => {
    const username = uniqueName();
    const a = await register(ctx.server, username);
    const b = await login(ctx.server, username);
    const c = await login(ctx.server, username);
    const bystander = await register(ctx.server);

    const res = await ctx.server.rest('POST', '/api/auth/logout-all', { token: a.accessToken });
    expect(res.body).toEqual({ revokedSessions: 3 });
    for (const pair of [a, b, c]) {
      expect(await meStatus(ctx.server, pair.accessToken)).toBe(401);
      const refresh = await ctx.server.rest('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } });
      expect(refresh.status).toBe(401);
    }
    expect(await meStatus(ctx.server, bystander.accessToken)).toBe(200);
  });

  it('changing the password ends the other sessions but not the current one', async () => {
    const username = uniqueName();
    const current = await register(ctx.server, username);
    const otherA = await login(ctx.server, username);
    const otherB = await login(ctx.server, username);

    const res = await ctx.server.rest('POST', '/api/users/me/password', {
      token: current.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'another good passphrase' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revokedSessions: 2 });

    expect(await meStatus(ctx.server, current.accessToken)).toBe(200);
    const refresh = await ctx.server.rest('POST', '/api/auth/refresh', {
      body: { refreshToken: current.refreshToken },
    });
    expect(refresh.status).toBe(200);
    for (const pair of [otherA, otherB]) {
      expect(await meStatus(ctx.server, pair.accessToken)).toBe(401);
      const r = await ctx.server.rest('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } });
      expect(r.status).toBe(401);
    }
  });

  it('a wrong current password is a 400 naming currentPassword and changes nothing', async () => {
    const username = uniqueName();
    const pair = await register(ctx.server, username);
    const other = await login(ctx.server, username);
    const res = await ctx.server.rest('POST', '/api/users/me/password', {
      token: pair.accessToken,
      body: { currentPassword: 'not the password', newPassword: 'another good passphrase' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^currentPassword: /) });
    expect(await meStatus(ctx.server, other.accessToken)).toBe(200);
    await login(ctx.server, username, PASSWORD);
  });
});

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3 document listing every REST route with a bearer security scheme', async () => {
    const res = await ctx.server.rest<{
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    }>('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const base = res.body.servers[0]?.url;
    expect(base).toBe('/api');
    const routes = Object.entries(res.body.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${base}${path}`),
    );
    // The routes the fuzz test covers: a procedure cannot be added without joining it.
    expect(routes.sort()).toEqual(
      [...Object.values(TARGETS).map((t) => t.rest), ...NAVIGATION_ROUTES].map((r) => `${r.method} ${r.path}`).sort(),
    );
    expect(Object.values(res.body.components.securitySchemes)).toContainEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
  });
});

describe('the bare /api and /trpc, the URLs `pnpm dev` prints', () => {
  it('answer an index whose every link works, not a 404', async () => {
    for (const path of ['/api', '/api/', '/trpc', '/trpc/']) {
      const res = await ctx.server.rest<{ message: string; links: Record<string, string> }>('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.body.links).toMatchObject({ docs: '/api/docs', openapi: '/api/openapi.json', health: '/healthz' });
      for (const link of Object.values(res.body.links)) {
        expect((await fetch(`${ctx.server.baseUrl}${link}`)).status, link).toBe(200);
      }
    }
    // Anything under them is routed as before.
    expect((await ctx.server.rest('GET', '/api/no-such-route')).status).toBe(404);
    expect((await ctx.server.rest('GET', '/trpc/no.such.procedure')).status).toBe(404);
  });
});
