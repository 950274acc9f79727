/**
 * What caches may keep, over real HTTP: every /trpc and /api answer is
 * `Cache-Control: no-store` (tokens, a user's data, errors that depend on who
 * asks), bar the OpenAPI document and the docs page; and every answer varies
 * on `Origin`, since what CORS adds to it does. tRPC writes a Vary of its own
 * (`trpc-accept, accept`): the two are merged, with tRPC's stock adapter and
 * with the fast transport alike.
 */
import { createApiServices } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../src/app.js';
import { createConsoleMailer } from '../src/mailer.js';
import { testApiConfig } from '../src/testing.js';
import { PASSWORD, type RestResponse, register, startServer, type TestServer, uniqueName } from './helpers.js';

const ALLOWED = 'https://app.example.com';
const FOREIGN = 'https://evil.example';

/** The fields of a Vary header, lower-cased. */
function varyOf(res: RestResponse): string[] {
  return (res.headers.get('vary') ?? '')
    .split(',')
    .map((field) => field.trim().toLowerCase())
    .filter(Boolean);
}

function expectUncacheable(res: RestResponse, what: string): void {
  expect(res.headers.get('cache-control'), what).toBe('no-store');
  expect(varyOf(res), what).toContain('origin');
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

describe.each(['fast', 'stock'] as const)('/trpc served by the %s transport', (transport) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    // One wrong password per username and address: the second is a 429.
    const config = testApiConfig({ throttle: { maxRegistrationsPerAddress: 100_000, maxFailuresPerUsername: 1 } });
    const services = createApiServices(config, { mailer: createConsoleMailer('test@localhost', () => {}) });
    server = await startServer({ orm: db.orm, services, corsOrigins: [ALLOWED], transport });
    token = (await register(server)).accessToken;
  });
  afterAll(async () => {
    await server?.close();
  });

  it("GET user.me from an allowed origin: CORS headers, Vary with Origin and tRPC's own fields, no-store", async () => {
    const res = await server.rest('GET', '/trpc/user.me', { token, headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expectUncacheable(res, 'user.me');
    expect(varyOf(res)).toEqual(expect.arrayContaining(['origin', 'trpc-accept', 'accept']));
  });

  it('the same without an Origin, and from a foreign one (no CORS headers): Vary: Origin all the same', async () => {
    for (const headers of [{}, { origin: FOREIGN }] as Record<string, string>[]) {
      const res = await server.rest('GET', '/trpc/user.me', { token, headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expectUncacheable(res, JSON.stringify(headers));
      expect(varyOf(res)).toContain('trpc-accept');
    }
  });

  it('a batch, a token pair, and errors: 401, 404, 405, 400, 413, 415, 429', async () => {
    const username = uniqueName();
    await register(server, username);
    const login = (password: string) =>
      server.rest('POST', '/trpc/auth.login', { body: { username, password }, headers: { origin: ALLOWED } });
    const answers: [string, RestResponse, number][] = [
      ['batch', await server.rest('GET', '/trpc/user.me,user.me?batch=1', { token }), 200],
      ['token pair', await login(PASSWORD), 200],
      ['no token', await server.rest('GET', '/trpc/user.me', { headers: { origin: ALLOWED } }), 401],
      ['unknown procedure', await server.rest('GET', '/trpc/user.nope'), 404],
      ['mutation by GET', await server.rest('GET', '/trpc/auth.login'), 405],
      ['PUT', await server.rest('PUT', '/trpc/user.me'), 415],
      ['bad input', await server.rest('GET', '/trpc/user.list?input={"limit":0}', { token }), 400],
      ['too large', await server.rest('POST', '/trpc/auth.login', { body: 'x'.repeat(BODY_LIMIT_BYTES + 1) }), 413],
      [
        'not JSON',
        await server.rest('POST', '/trpc/auth.login', { body: 'x', headers: { 'content-type': 'text/plain' } }),
        415,
      ],
      ['wrong password', await login('wrong password 1'), 401],
      ['throttled', await login('wrong password 2'), 429],
    ];
    for (const [what, res, status] of answers) {
      expect(res.status, what).toBe(status);
      expectUncacheable(res, what);
    }
  });
});

describe('/api (the REST bridge)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ orm: db.orm, corsOrigins: [ALLOWED] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a token pair, a user, and errors (401, 404, 400 of the bridge and of the body parser): no-store, Vary: Origin', async () => {
    const pair = await register(server);
    const answers: [string, RestResponse, number][] = [
      [
        'token pair',
        await server.rest('POST', '/api/auth/refresh', {
          body: { refreshToken: pair.refreshToken },
          headers: { origin: ALLOWED },
        }),
        200,
      ],
      ['me', await server.rest('GET', '/api/users/me', { token: pair.accessToken }), 200],
      ['no token', await server.rest('GET', '/api/users/me', { headers: { origin: FOREIGN } }), 401],
      ['unknown path', await server.rest('GET', '/api/nope'), 404],
      ['bad input', await server.rest('POST', '/api/auth/login', { body: { username: 1 } }), 400],
      ['malformed JSON', await server.rest('POST', '/api/auth/login', { body: '{"username":' }), 400],
    ];
    for (const [what, res, status] of answers) {
      expect(res.status, what).toBe(status);
      expectUncacheable(res, what);
    }
    expect(answers[0]?.[1].headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('the OpenAPI document and the docs page may be cached, varying on Origin', async () => {
    for (const path of ['/api/openapi.json', '/api/docs', '/api/docs/']) {
      const res = await server.rest('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control') ?? '', path).not.toContain('no-store');
      expect(varyOf(res), path).toContain('origin');
    }
  });
});
