import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, startServer, type TestServer } from './helpers.js';

let db: TestDatabase;
let server: TestServer;

const ALLOWED = 'http://allowed.test';
const FOREIGN = 'http://evil.test';

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServer({ orm: db.orm, corsOrigins: [ALLOWED] });
});
afterAll(async () => {
  await server?.close();
  await db?.destroy();
});

function preflight(path: string, origin: string, method = 'POST') {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('CORS', () => {
  for (const path of ['/api/auth/login', '/trpc/auth.login']) {
    it(`allows the configured origin on a preflight to ${path}`, async () => {
      const res = await preflight(path, ALLOWED);
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    });

    it(`gives a foreign origin no Access-Control-Allow-Origin on a preflight to ${path}`, async () => {
      const res = await preflight(path, FOREIGN);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  }

  it('allows the configured origin on a request, exposing Retry-After and X-Request-Id', async () => {
    const pair = await register(server);
    const res = await fetch(`${server.baseUrl}/api/users/me`, {
      headers: { origin: ALLOWED, authorization: `Bearer ${pair.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    // Allowed origins may use cookie mode, which needs the browser to send the cookie along.
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const exposed = res.headers.get('access-control-expose-headers')?.toLowerCase() ?? '';
    expect(exposed).toContain('retry-after');
    expect(exposed).toContain('x-request-id');
  });

  it('never reflects a foreign origin nor answers "*" on a request', async () => {
    for (const path of ['/healthz', '/api/openapi.json', '/trpc/user.me', '/api/users/me']) {
      const res = await fetch(`${server.baseUrl}${path}`, { headers: { origin: FOREIGN } });
      expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
    }
  });

  it('does not treat an origin that merely starts with the allowed one as allowed', async () => {
    for (const origin of [`${ALLOWED}.evil.test`, `${ALLOWED}:8080`, 'https://allowed.test']) {
      const res = await preflight('/api/auth/login', origin);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});

describe('headers', () => {
  it('sends no X-Powered-By', async () => {
    for (const path of ['/healthz', '/api/openapi.json', '/trpc/user.me', '/nope']) {
      const res = await fetch(`${server.baseUrl}${path}`);
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('sends helmet’s security headers', async () => {
    const res = await fetch(`${server.baseUrl}/api/users/me`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toEqual(expect.any(String));
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('echoes a valid X-Request-Id', async () => {
    for (const path of ['/healthz', '/api/users/me', '/trpc/user.me']) {
      const res = await fetch(`${server.baseUrl}${path}`, { headers: { 'x-request-id': 'client-req.42:abc' } });
      expect(res.headers.get('x-request-id'), path).toBe('client-req.42:abc');
    }
  });

  it('replaces an invalid or missing X-Request-Id with a fresh UUID', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const given of ['has spaces and <html>', 'x'.repeat(129), undefined]) {
      const res = await fetch(`${server.baseUrl}/healthz`, { headers: given ? { 'x-request-id': given } : {} });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(uuid);
      expect(id).not.toBe(given);
    }
    const a = (await fetch(`${server.baseUrl}/healthz`)).headers.get('x-request-id');
    const b = (await fetch(`${server.baseUrl}/healthz`)).headers.get('x-request-id');
    expect(a).not.toBe(b);
  });
});

describe('probes', () => {
  it('GET /healthz answers 200 { status: "ok" }', async () => {
    const res = await server.rest('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 while the database is reachable', async () => {
    const res = await server.rest('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });
});
