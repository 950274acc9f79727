/**
 * Bounds: one request cannot make the server do unbounded work. Each limit is
 * checked where it is enforced, over REST and tRPC: calls per tRPC batch (GET
 * and POST), page size, body size (also chunked, also gzip-inflated), JSON
 * nesting, header and URL size (on a server made as main.ts makes it), and
 * the length of every string (and the size of every number) an input schema
 * accepts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createApiServices, createOpenApiDocument, type PublicUser } from '@repo/api';
import { repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BODY_LIMIT_BYTES,
  createApp,
  MAX_BATCH_SIZE,
  MAX_HEADER_BYTES,
  MAX_JSON_DEPTH,
  requestListener,
} from '../src/app.js';
import { ConfigError, parseConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { apiConfig, PASSWORD, register, startServer, type TestServer, uniqueName } from './helpers.js';
import { type RawClient, type RawResponse, rawClient } from './raw-http.js';

let db: TestDatabase;
let server: TestServer;
let client: RawClient;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServer({ orm: db.orm });
  client = rawClient(server.baseUrl);
});
afterAll(async () => {
  client?.close();
  await server?.close();
  await db?.destroy();
});

const JSON_TYPE = { 'content-type': 'application/json' };

function parsed(res: RawResponse): unknown {
  expect(res.headers['content-type'], res.text).toMatch(/^application\/json/);
  return JSON.parse(res.text);
}

/** A REST error: the status, JSON { message, code }. */
function expectRestError(res: RawResponse, status: number, code?: string): { message: string; code: string } {
  expect(res.status, res.text).toBe(status);
  const body = parsed(res) as { message: string; code: string };
  expect(body).toMatchObject({ message: expect.any(String), code: code ?? expect.any(String) });
  return body;
}

/**
 * A tRPC error refusing the request: one envelope, or (for a batch whose body
 * is refused) an error for every call, all with the status.
 */
function expectTrpcRefusal(res: RawResponse, statuses: number[]): void {
  expect(statuses, res.text).toContain(res.status);
  const body = parsed(res);
  interface TrpcError {
    error?: { message: string; code: number; data: { httpStatus: number } };
  }
  for (const item of (Array.isArray(body) ? body : [body]) as TrpcError[]) {
    expect(item.error, res.text).toMatchObject({ message: expect.any(String), code: expect.any(Number) });
    expect(item.error?.data.httpStatus).toBe(res.status);
  }
}

async function countUsers(): Promise<number> {
  return repositoriesOf(db.orm.em.fork()).users.count();
}

describe('tRPC batch size', () => {
  const batchPath = (procedure: string, n: number) => Array.from({ length: n }, () => procedure).join(',');
  const batchInput = (n: number, input: (i: number) => unknown) =>
    JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), input(i)])));

  it(`the default is MAX_BATCH_SIZE = 10, and TRPC_MAX_BATCH_SIZE sets it (1 to 100)`, () => {
    expect(MAX_BATCH_SIZE).toBe(10);
    expect(parseConfig({}, '/').maxBatchSize).toBe(MAX_BATCH_SIZE);
    expect(parseConfig({ TRPC_MAX_BATCH_SIZE: '3' }, '/').maxBatchSize).toBe(3);
    for (const bad of ['0', '101', '-1', '2.5', 'ten']) {
      expect(() => parseConfig({ TRPC_MAX_BATCH_SIZE: bad }, '/'), bad).toThrow(ConfigError);
      expect(() => parseConfig({ TRPC_MAX_BATCH_SIZE: bad }, '/'), bad).toThrow(/TRPC_MAX_BATCH_SIZE/);
    }
  });

  it(`GET: a batch of ${MAX_BATCH_SIZE} queries runs, one more is refused whole with a 4xx`, async () => {
    const pair = await register(server);
    const auth = { authorization: `Bearer ${pair.accessToken}` };
    const atCap = await client.send({
      method: 'GET',
      path: `/trpc/${batchPath('user.me', MAX_BATCH_SIZE)}?batch=1&input=%7B%7D`,
      headers: auth,
    });
    expect(atCap.status, atCap.text).toBe(200);
    expect(parsed(atCap)).toHaveLength(MAX_BATCH_SIZE);

    const over = await client.send({
      method: 'GET',
      path: `/trpc/${batchPath('user.me', MAX_BATCH_SIZE + 1)}?batch=1&input=%7B%7D`,
      headers: auth,
    });
    expectTrpcRefusal(over, [400, 413]);
    expect(over.text).not.toContain(pair.user.id);
  });

  it(`POST: a batch of ${MAX_BATCH_SIZE + 1} mutations is refused whole, before any of them runs`, async () => {
    const before = await countUsers();
    const names = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => uniqueName('batch'));
    const res = await client.send({
      method: 'POST',
      path: `/trpc/${batchPath('auth.register', names.length)}?batch=1`,
      headers: JSON_TYPE,
      body: batchInput(names.length, (i) => ({ username: names[i], password: PASSWORD })),
    });
    expectTrpcRefusal(res, [400, 413]);
    expect(await countUsers()).toBe(before);
  });

  it('AppDeps.maxBatchSize lowers the cap, for GET and POST batches', async () => {
    const small = await startServer({ orm: db.orm, maxBatchSize: 3 });
    const smallClient = rawClient(small.baseUrl);
    try {
      const pair = await register(small);
      const auth = { authorization: `Bearer ${pair.accessToken}` };
      const get = (n: number) =>
        smallClient.send({
          method: 'GET',
          path: `/trpc/${batchPath('user.me', n)}?batch=1&input=%7B%7D`,
          headers: auth,
        });
      expect((await get(3)).status).toBe(200);
      expectTrpcRefusal(await get(4), [400, 413]);

      const post = (n: number) =>
        smallClient.send({
          method: 'POST',
          path: `/trpc/${batchPath('auth.login', n)}?batch=1`,
          headers: JSON_TYPE,
          body: batchInput(n, () => ({ username: pair.user.username, password: PASSWORD })),
        });
      expect((await post(3)).status).toBe(200);
      expectTrpcRefusal(await post(4), [400, 413]);
    } finally {
      smallClient.close();
      await small.close();
    }
  });
});

describe('page size', () => {
  let token: string;

  beforeAll(async () => {
    // 110 users in one flush: more than the largest page.
    const em = db.orm.em.fork();
    const { users } = repositoriesOf(em);
    for (let i = 0; i < 110; i++) users.add({ username: uniqueName('page'), passwordHash: 'not-a-real-hash' });
    await em.flush();
    token = (await register(server)).accessToken;
  });

  it('limit above 100 is refused with 400 naming `limit`, over REST and tRPC', async () => {
    for (const limit of ['101', '1000', '1e9', '100.5']) {
      const res = await client.send({
        method: 'GET',
        path: `/api/users?limit=${limit}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(expectRestError(res, 400, 'BAD_REQUEST').message, limit).toMatch(/^limit: /);
    }
    const res = await client.send({
      method: 'GET',
      path: `/trpc/user.list?input=${encodeURIComponent(JSON.stringify({ limit: 101 }))}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expectTrpcRefusal(res, [400]);
  });

  it('limit 100 returns 100 users and a cursor, the default 20', async () => {
    const full = await server.rest<{ items: PublicUser[]; nextCursor: string | null }>('GET', '/api/users?limit=100', {
      token,
    });
    expect(full.status).toBe(200);
    expect(full.body.items).toHaveLength(100);
    expect(full.body.nextCursor).toEqual(expect.any(String));
    const page = await server.rest<{ items: PublicUser[] }>('GET', '/api/users', { token });
    expect(page.body.items).toHaveLength(20);
  });
});

describe('body size', () => {
  const over = () => JSON.stringify({ username: 'big_body', password: 'x'.repeat(BODY_LIMIT_BYTES + 1024) });
  const routes = [
    ['/api/auth/register', 'REST'],
    ['/api/auth/refresh', 'REST'],
    ['/api/users/me/password', 'REST'],
    ['/trpc/auth.register', 'tRPC'],
    ['/trpc/auth.refresh', 'tRPC'],
    ['/trpc/auth.login,auth.register?batch=1', 'tRPC'],
  ] as const;

  for (const [path, kind] of routes) {
    it(`POST ${path}: over ${BODY_LIMIT_BYTES / 1024} kB is 413 in JSON, with Content-Length and chunked`, async () => {
      for (const chunked of [false, true]) {
        const res = await client.send({
          method: 'POST',
          path,
          headers: { ...JSON_TYPE, ...(chunked ? { 'transfer-encoding': 'chunked' } : {}) },
          body: over(),
        });
        if (kind === 'REST') expectRestError(res, 413, 'PAYLOAD_TOO_LARGE');
        else expectTrpcRefusal(res, [413]);
      }
    });
  }

  it('a gzip bomb on /api is counted inflated: 413', async () => {
    const bomb = gzipSync(JSON.stringify({ username: 'bomb', password: ' '.repeat(5 * 1024 * 1024) }));
    expect(bomb.length).toBeLessThan(BODY_LIMIT_BYTES / 4);
    const res = await client.send({
      method: 'POST',
      path: '/api/auth/register',
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      body: bomb,
    });
    expectRestError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('/trpc does not inflate bodies: a gzip body is a 4xx, never decompressed', async () => {
    const bomb = gzipSync(JSON.stringify({ username: 'bomb', password: ' '.repeat(5 * 1024 * 1024) }));
    const res = await client.send({
      method: 'POST',
      path: '/trpc/auth.register',
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      body: bomb,
    });
    expectTrpcRefusal(res, [400, 415]);
  });
});

describe('JSON nesting', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

  it(`REST bodies nested deeper than ${MAX_JSON_DEPTH} levels are refused with 400`, async () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 10_000]) {
      for (const path of ['/api/auth/login', '/api/auth/logout', '/api/users/me/password']) {
        const res = await client.send({ method: 'POST', path, headers: JSON_TYPE, body: nested(depth) });
        expect(expectRestError(res, 400, 'BAD_REQUEST').message).toMatch(/nested more than/);
      }
    }
    const arrays = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const res = await client.send({ method: 'POST', path: '/api/auth/login', headers: JSON_TYPE, body: arrays });
    expect(expectRestError(res, 400).message).toMatch(/nested more than/);
  });

  it(`a body of exactly ${MAX_JSON_DEPTH} levels goes on to validation`, async () => {
    const res = await client.send({
      method: 'POST',
      path: '/api/auth/login',
      headers: JSON_TYPE,
      body: nested(MAX_JSON_DEPTH),
    });
    expect(expectRestError(res, 400, 'BAD_REQUEST').message).toMatch(/^username: /);
  });

  it('deep JSON over tRPC (body and ?input=) is a 400, never a 500', async () => {
    const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const post = await client.send({ method: 'POST', path: '/trpc/auth.login', headers: JSON_TYPE, body: deep });
    expectTrpcRefusal(post, [400]);
    const get = await client.send({
      method: 'GET',
      path: `/trpc/user.list?input=${'['.repeat(5000)}${']'.repeat(5000)}`,
    });
    expect(get.status).toBeGreaterThanOrEqual(400);
    expect(get.status).toBeLessThan(500);
  });
});

describe('header and URL size (a server made as main.ts makes it)', () => {
  let mainLike: Server;
  let mainClient: RawClient;

  beforeAll(async () => {
    const logger = createLogger({ level: 'silent', isPretty: false });
    const app = createApp({ orm: db.orm, services: createApiServices(apiConfig), logger, corsOrigins: [] });
    mainLike = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, requestListener(app, logger));
    await new Promise<void>((resolve) => mainLike.listen(0, '127.0.0.1', resolve));
    mainClient = rawClient(`http://127.0.0.1:${(mainLike.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    mainClient?.close();
    mainLike?.closeAllConnections();
    await new Promise<void>((resolve) => mainLike?.close(() => resolve()));
  });

  it('MAX_HEADER_BYTES is 16 KiB', () => {
    expect(MAX_HEADER_BYTES).toBe(16 * 1024);
  });

  it('headers over MAX_HEADER_BYTES get 431, under it they reach the app', async () => {
    const big = await mainClient.send({
      method: 'GET',
      path: '/healthz',
      headers: { 'x-big': 'a'.repeat(MAX_HEADER_BYTES) },
    });
    expect(big.status).toBe(431);
    const auth = await mainClient.send({
      method: 'GET',
      path: '/api/users/me',
      headers: { authorization: `Bearer ${'a'.repeat(20_000)}` },
    });
    expect(auth.status).toBe(431);
    const fits = await mainClient.send({
      method: 'GET',
      path: '/healthz',
      headers: { 'x-big': 'a'.repeat(MAX_HEADER_BYTES - 1024) },
    });
    expect(fits.status).toBe(200);
  });

  it('URLs count toward the same limit: a 20 kB path, query or tRPC ?input= gets 431', async () => {
    for (const path of [
      `/api/users/${'x'.repeat(20_000)}`,
      `/api/users?cursor=${'x'.repeat(20_000)}`,
      `/api/users?${'limit=1&'.repeat(2500)}`,
      `/trpc/user.list?input=${encodeURIComponent(JSON.stringify({ cursor: 'x'.repeat(20_000) }))}`,
      `/trpc/${Array.from({ length: 2500 }, () => 'user.me').join(',')}?batch=1`,
    ]) {
      const res = await mainClient.send({ method: 'GET', path });
      expect(res.status, path.slice(0, 60)).toBe(431);
    }
  });

  it('a URL just under the limit is answered by the app (a 4xx in JSON, not a 5xx)', async () => {
    const res = await mainClient.send({ method: 'GET', path: `/api/users?${'limit=1&'.repeat(1500)}` });
    expect(res.status).toBe(401);
    parsed(res);
  });
});

describe('input strings and numbers', () => {
  const document = createOpenApiDocument('/api');
  const components: Record<string, unknown> = document.components?.schemas ?? {};

  /** Every `string` in a JSON Schema has maxLength, every number a maximum (`$ref`s followed). */
  function unbounded(schema: unknown, path: string): string[] {
    if (typeof schema !== 'object' || schema === null) return [];
    const node = schema as Record<string, unknown>;
    if (typeof node.$ref === 'string') {
      return unbounded(components[node.$ref.replace('#/components/schemas/', '')], `${path}(${node.$ref})`);
    }
    const own: string[] = [];
    if (node.type === 'string' && typeof node.maxLength !== 'number' && node.const === undefined && !node.enum) {
      own.push(`${path}: string without maxLength`);
    }
    if ((node.type === 'number' || node.type === 'integer') && typeof node.maximum !== 'number') {
      own.push(`${path}: number without maximum`);
    }
    return [
      ...own,
      ...Object.entries(node).flatMap(([key, child]) =>
        typeof child === 'object' && child !== null ? unbounded(child, `${path}.${key}`) : [],
      ),
    ];
  }

  // Every procedure is a REST route (fuzz.test.ts holds the two lists equal), so the
  // document's request bodies and parameters are every procedure's input, as zod declares it.
  it('every input of every procedure bounds its strings and numbers', () => {
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const),
    );
    expect(operations.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const [route, operation] of operations) {
      const { requestBody, parameters = [] } = operation as { requestBody?: unknown; parameters?: unknown[] };
      problems.push(...unbounded(requestBody, `${route} body`));
      for (const parameter of parameters) {
        const { name, schema } = parameter as { name: string; schema?: unknown };
        problems.push(...unbounded(schema, `${route} ${name}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('one character over each maximum is a 400 naming the field, over REST', async () => {
    const pair = await register(server);
    const cases: [string, string, Record<string, unknown> | undefined, RegExp][] = [
      ['POST', '/api/auth/register', { username: 'u'.repeat(41), password: PASSWORD }, /^username: /],
      ['POST', '/api/auth/login', { username: 'valid_name', password: 'x'.repeat(73) }, /^password: /],
      ['POST', '/api/auth/refresh', { refreshToken: 'x'.repeat(4097) }, /^refreshToken: /],
      [
        'POST',
        '/api/users/me/password',
        { currentPassword: 'x'.repeat(73), newPassword: 'a brand new passphrase' },
        /^currentPassword: /,
      ],
      ['POST', '/api/users/me/password', { currentPassword: PASSWORD, newPassword: 'x'.repeat(73) }, /^newPassword: /],
      ['GET', `/api/users?cursor=${'x'.repeat(65)}`, undefined, /^cursor: /],
      ['GET', `/api/users/${'x'.repeat(65)}`, undefined, /^id: /],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await client.send({
        method,
        path,
        headers: { ...JSON_TYPE, authorization: `Bearer ${pair.accessToken}` },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(expectRestError(res, 400, 'BAD_REQUEST').message, path).toMatch(message);
    }
  });
});
