/**
 * `createRestHandler` (src/rest-handler.ts) answers GETs of query procedures
 * itself and leaves everything else to trpc-to-openapi's Express middleware.
 * This differential test holds the fast path to the middleware: the real
 * router, on one database with one set of services, is served both by
 * `createOpenApiExpressMiddleware` and by `createRestHandler`, with the
 * options app.ts passes, and every request below goes to both and must get
 * the same answer: status, headers (bar FRAMING_HEADERS), body, and the same
 * errors reported to `onError`. Each request also says whether the fast path
 * must have answered it, so a handler that passed everything on could not
 * pass this test.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppRouter, appRouter, createApiServices } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import express, { type RequestHandler } from 'express';
import { type CreateOpenApiExpressMiddlewareOptions, createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestOptions } from '../src/app.js';
import { createRestHandler } from '../src/rest-handler.js';
import { comparableHeaders, parse } from './differential.js';
import { apiConfig, PASSWORD, uniqueName } from './helpers.js';
import { type RawClient, rawClient } from './raw-http.js';

interface Adapter {
  baseUrl: string;
  server: Server;
  raw: RawClient;
  /** `CODE path` of every error reported to onError since the last request began. */
  errors: string[];
  /** Requests createRestHandler passed to trpc-to-openapi since the last request began. */
  passedOn: number;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  errors: string[];
}

let db: TestDatabase;
let stock: Adapter;
let ours: Adapter;
let token: string;
let user: { id: string; username: string };

/** The middleware options of app.ts, with onError recording instead of logging. */
function restOptions(adapter: Pick<Adapter, 'errors'>): CreateOpenApiExpressMiddlewareOptions<AppRouter> {
  return {
    router: appRouter,
    ...requestOptions(db.orm.em, createApiServices(apiConfig)),
    onError: ({ error, path }) => {
      adapter.errors.push(`${error.code} ${path ?? '-'}`);
    },
  };
}

async function startAdapter(kind: 'stock' | 'ours'): Promise<Adapter> {
  const state = { errors: [] as string[], passedOn: 0 };
  const options = restOptions(state);
  const middleware = createOpenApiExpressMiddleware(options) as RequestHandler;
  const handler: RequestHandler =
    kind === 'stock'
      ? middleware
      : createRestHandler({
          ...options,
          fallback: (req, res, next) => {
            state.passedOn += 1;
            return middleware(req, res, next);
          },
        });
  const app = express();
  app.disable('x-powered-by');
  app.use('/api', express.json(), handler);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { baseUrl, server, raw: rawClient(baseUrl) });
}

async function stopAdapter(adapter: Adapter | undefined): Promise<void> {
  if (!adapter) return;
  adapter.raw.close();
  adapter.server.closeAllConnections();
  await new Promise<void>((resolve) => adapter.server.close(() => resolve()));
}

beforeAll(async () => {
  db = await createTestDatabase();
  stock = await startAdapter('stock');
  ours = await startAdapter('ours');
  const res = await fetch(`${stock.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: uniqueName('rest'), password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  ({ accessToken: token, user } = (await res.json()) as { accessToken: string; user: typeof user });
});

afterAll(async () => {
  await stopAdapter(stock);
  await stopAdapter(ours);
  await db?.destroy();
});

/** Sends a request as is (no URL normalisation) to one adapter. */
async function answer(
  adapter: Adapter,
  request: { method: string; path: string; headers: Record<string, string>; body?: string },
) {
  adapter.errors.length = 0;
  adapter.passedOn = 0;
  const res = await adapter.raw.send({ ...request, path: `/api${request.path}` });
  const result: Answer = {
    status: res.status,
    headers: comparableHeaders(Object.entries(res.headers)),
    body: parse(res.text),
    errors: [...adapter.errors],
  };
  return result;
}

const auth = (value = token) => ({ authorization: `Bearer ${value}` });

/**
 * Sends the request to both and asserts the same answer, and whether our
 * handler answered it itself (`fast`) or passed it on; returns the answer.
 */
async function expectSameAnswer(
  path: string,
  {
    headers = auth(),
    method = 'GET',
    body,
    fast,
  }: { headers?: Record<string, string>; method?: string; body?: string; fast: boolean },
): Promise<Answer> {
  const request = { method, path, headers, ...(body === undefined ? {} : { body }) };
  // Ours first: the middleware changes the router's input schemas in place on its first call
  // (coercion of query strings), and ours must not lean on that having happened.
  const ourAnswer = await answer(ours, request);
  const reference = await answer(stock, request);
  expect(ourAnswer.status, `${path}: status`).toBe(reference.status);
  expect(ourAnswer.headers, `${path}: headers`).toEqual(reference.headers);
  expect(ourAnswer.body, `${path}: body`).toEqual(reference.body);
  expect(ourAnswer.errors, `${path}: errors reported to onError`).toEqual(reference.errors);
  expect(ours.passedOn, `${path}: passed on to trpc-to-openapi`).toBe(fast ? 0 : 1);
  return reference;
}

const MISSING_ID = '00000000-0000-7000-8000-000000000000';

describe('GET /users/me', () => {
  it('with a valid token: 200 and the user', async () => {
    const res = await expectSameAnswer('/users/me', { fast: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ id: user.id, username: user.username }));
  });

  it('without a token, with a garbage one, with another scheme: 401 and its WWW-Authenticate', async () => {
    for (const headers of [{}, auth('not.a.jwt'), { authorization: 'Basic eDp5' }]) {
      const res = await expectSameAnswer('/users/me', { headers, fast: true });
      expect(res.status).toBe(401);
      expect(res.errors).toEqual(['UNAUTHORIZED user.me']);
    }
  });

  it('with a trailing slash, in capitals, with a query string it ignores', async () => {
    for (const path of ['/users/me/', '/USERS/ME', '/users/me?x=1&x=2']) {
      expect((await expectSameAnswer(path, { fast: true })).status, path).toBe(200);
    }
  });
});

describe('GET /users (list)', () => {
  it('with no parameters, a limit, a cursor, an unknown parameter, empty ones (left out): 200', async () => {
    // A number first: this file's first call with one must find the schema not yet coerced.
    for (const query of ['?limit=5', '', '?limit=1', `?limit=2&cursor=${user.id}`, '?limit=3&x=1', '?limit=&cursor=']) {
      const res = await expectSameAnswer(`/users${query}`, { fast: true });
      expect(res.status, query).toBe(200);
      expect(res.body, query).toEqual(expect.objectContaining({ items: expect.any(Array) }));
    }
  });

  it('a limit that is no page size, a repeated limit, a bad cursor: 400', async () => {
    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=ten',
      '?limit=1.5',
      '?limit=1&limit=2',
      '?cursor=%01',
      `?cursor=${'c'.repeat(65)}`,
    ]) {
      const res = await expectSameAnswer(`/users${query}`, { fast: true });
      expect(res.status, query).toBe(400);
      expect(res.body, query).toEqual(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
  });

  it('without a token: 401', async () => {
    expect((await expectSameAnswer('/users?limit=5', { headers: {}, fast: true })).status).toBe(401);
  });
});

describe('GET /users/{id}', () => {
  it('a user: 200; an unknown id, failing inside the procedure: 404', async () => {
    expect((await expectSameAnswer(`/users/${user.id}`, { fast: true })).status).toBe(200);
    expect((await expectSameAnswer(`/users/${MISSING_ID}`, { fast: true })).status).toBe(404);
  });

  it('ids that are percent-encoded, unprintable or too long', async () => {
    for (const id of [user.id.replace('-', '%2D'), 'a%20b', '%01', 'x'.repeat(65), '%E2%82%AC']) {
      expect([200, 400, 404], id).toContain((await expectSameAnswer(`/users/${id}`, { fast: true })).status);
    }
  });

  it('an id that is a query parameter as well: the path wins alike', async () => {
    expect((await expectSameAnswer(`/users/${user.id}?id=${MISSING_ID}`, { fast: true })).status).toBe(200);
  });
});

describe('what the fast path passes on', () => {
  it('unknown paths and methods: the middleware answers', async () => {
    for (const path of ['/nothing', '/users/me/more', '/auth/login', '/']) {
      expect((await expectSameAnswer(path, { fast: false })).status, path).toBe(404);
    }
    expect((await expectSameAnswer('/users/me', { method: 'HEAD', fast: false })).status).toBe(204);
    expect((await expectSameAnswer('/users/me', { method: 'DELETE', fast: false })).status).toBe(404);
  });

  it('a mutation: answered by the middleware, as before', async () => {
    const res = await expectSameAnswer('/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: 'not.a.jwt' }),
      fast: false,
    });
    expect(res.status).toBe(401);
  });
});
