/**
 * `createFastTrpcHandler` (src/fast-transport/trpc.ts) answers queries by GET
 * itself, redoing for speed the steps of tRPC's `resolveResponse` on Node's
 * objects, and hands everything else to tRPC's own Express adapter. This
 * differential test holds it to that adapter: the real router, on one
 * database with one set of services, is served both by tRPC's own
 * `createExpressMiddleware` and by `createFastTrpcHandler`, with the options
 * app.ts passes, and every request below goes to both and must get the same
 * answer: status, headers (bar the framing ones, FRAMING_HEADERS) and body,
 * and the same errors reported to `onError`. A change on either side (our
 * handler, or a tRPC upgrade) that makes them part fails here.
 *
 * What app.ts puts in front of the handler (a default JSON content type, a 405
 * for methods Fetch cannot build a Request with) is left out, so that it
 * cannot hide a difference between the two.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type AppRouter, appRouter, createApiServices } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { type AnyTRPCRouter, initTRPC } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import type { NodeHTTPHandlerOptions } from '@trpc/server/adapters/node-http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, MAX_BATCH_SIZE, requestOptions } from '../src/app.js';
import { createFastTrpcHandler, type FastTrpcHandlerOptions } from '../src/fast-transport/index.js';
import { comparableHeaders, parse } from './differential.js';
import { apiConfig, PASSWORD, uniqueName } from './helpers.js';
import { type RawClient, rawClient } from './raw-http.js';

/** A request with this header waits in createContext until its client has gone (see `abandon`). */
const HOLD_HEADER = 'x-test-hold-until-client-gone';

const ADAPTER_NAMES = ['tRPC createExpressMiddleware', 'createFastTrpcHandler'] as const;
type AdapterName = (typeof ADAPTER_NAMES)[number];

/** The two moments of a held request, announced to the test waiting on it. */
interface Hold {
  /** It reached createContext: the handler has it. */
  reached(): void;
  /** The handler ended its response. */
  ended(): void;
}

interface Adapter {
  name: AdapterName;
  baseUrl: string;
  server: Server;
  raw: RawClient;
  /** `CODE path` of every error reported to onError since the last request began. */
  errors: string[];
  hold?: Hold | undefined;
}

interface Answer {
  status: number;
  /** Lower-case names, without FRAMING_HEADERS. */
  headers: Record<string, string>;
  text: string;
  /** The parsed body, or the text when it is not JSON. */
  body: unknown;
  /** The errors reported to onError while it was handled. */
  errors: string[];
}

interface Call {
  method?: string;
  /** Below the mount point: `/user.me`. */
  path: string;
  /** An array value is sent as repeated header lines (only through `raw`). */
  headers?: Record<string, string | string[]>;
  body?: string;
}

let db: TestDatabase;
const adapters: Adapter[] = [];
let token: string;
let user: Record<string, unknown>;
let me: Record<string, unknown>;

/** Options both adapters take (ours has no `middleware` option). */
type TrpcOptions = NodeHTTPHandlerOptions<AppRouter, Request, Response> & { middleware?: never };

/** The handler options of app.ts (with onError recording instead of logging), shared by both adapters. */
function trpcOptions(adapter: Pick<Adapter, 'errors' | 'hold'>): TrpcOptions {
  const { createContext, responseMeta } = requestOptions(db.orm.em, createApiServices(apiConfig));
  return {
    router: appRouter,
    createContext: async ({ req, res }) => {
      if (req.headers[HOLD_HEADER] !== undefined && !res.closed) {
        const gone = once(res, 'close');
        adapter.hold?.reached();
        await gone;
      }
      return createContext({ req, res });
    },
    maxBodySize: BODY_LIMIT_BYTES,
    maxBatchSize: MAX_BATCH_SIZE,
    responseMeta,
    onError: ({ error, path }) => {
      adapter.errors.push(`${error.code} ${path ?? '-'}`);
    },
  };
}

/** The adapter of that name, serving `options`. */
function adapterOf<TRouter extends AnyTRPCRouter>(
  name: AdapterName,
  options: FastTrpcHandlerOptions<TRouter>,
): RequestHandler {
  return name === 'createFastTrpcHandler' ? createFastTrpcHandler(options) : createExpressMiddleware(options);
}

/** Serves `options` with the named adapter on an ephemeral port while `use` runs, then closes it. */
async function withAdapter<TRouter extends AnyTRPCRouter, T>(
  name: AdapterName,
  options: FastTrpcHandlerOptions<TRouter>,
  use: (baseUrl: string) => Promise<T>,
): Promise<T> {
  const app = express();
  app.use('/trpc', adapterOf(name, options));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function startAdapter(name: AdapterName): Promise<Adapter> {
  const state: Pick<Adapter, 'errors' | 'hold'> = { errors: [] };
  const handler = adapterOf(name, trpcOptions(state));
  // Tells a held request's test when the handler has ended its response.
  const watchHeld: RequestHandler = (req, res, next) => {
    if (req.headers[HOLD_HEADER] !== undefined) {
      const end = res.end.bind(res) as (...args: unknown[]) => Response;
      res.end = ((...args: unknown[]) => {
        const result = end(...args);
        state.hold?.ended();
        return result;
      }) as Response['end'];
    }
    next();
  };
  const app = express();
  app.disable('x-powered-by');
  app.use('/trpc', watchHeld, handler);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { name, baseUrl, server, raw: rawClient(baseUrl) });
}

async function stopAdapter(adapter: Adapter): Promise<void> {
  adapter.raw.close();
  adapter.server.closeAllConnections();
  await new Promise<void>((resolve) => adapter.server.close(() => resolve()));
}

/** tRPC's `createExpressMiddleware`, the reference. */
const stockAdapter = () => adapters[0] as Adapter;
/** Our `createFastTrpcHandler`. */
const ourAdapter = () => adapters[1] as Adapter;

beforeAll(async () => {
  db = await createTestDatabase();
  for (const name of ADAPTER_NAMES) adapters.push(await startAdapter(name));
  const registered = await answer(stockAdapter(), registerCall(uniqueName('diff')));
  if (registered.status !== 200) throw new Error(`auth.register failed: ${registered.status} ${registered.text}`);
  const pair = (registered.body as { result: { data: { accessToken: string; user: Record<string, unknown> } } }).result
    .data;
  token = pair.accessToken;
  user = pair.user;
  // As user.me shows it: with the user's own (here absent) address.
  me = { ...pair.user, email: null, emailVerified: false, pendingEmail: null };
});

afterAll(async () => {
  for (const adapter of adapters) await stopAdapter(adapter);
  await db?.destroy();
});

/** Sends `call` to one adapter through fetch, or through node:http (`raw`: repeated headers, any method). */
async function answer(adapter: Adapter, call: Call, via: 'fetch' | 'raw' = 'fetch'): Promise<Answer> {
  adapter.errors.length = 0;
  const method = call.method ?? 'GET';
  const path = `/trpc${call.path}`;
  const body = call.body !== undefined ? { body: call.body } : {};
  let status: number;
  let headers: Record<string, string>;
  let text: string;
  if (via === 'raw') {
    const res = await adapter.raw.send({ method, path, headers: call.headers ?? {}, ...body });
    ({ status, text } = res);
    headers = comparableHeaders(Object.entries(res.headers));
  } else {
    const res = await fetch(`${adapter.baseUrl}${path}`, {
      method,
      headers: Object.entries(call.headers ?? {}).map(([name, value]): [string, string] => {
        if (Array.isArray(value)) throw new Error('repeated headers need `raw`');
        return [name, value];
      }),
      ...body,
    });
    status = res.status;
    headers = comparableHeaders(res.headers);
    text = await res.text();
  }
  return { status, headers, text, body: parse(text), errors: [...adapter.errors] };
}

interface Compare {
  via?: 'fetch' | 'raw';
  /** Applied to each parsed body before comparing (for values new on every call, such as tokens). */
  normalise?: (body: unknown) => unknown;
}

/** Sends `call` to both adapters, one after the other, and asserts the same answer; returns tRPC's. */
async function expectSameAnswer(call: Call, { via = 'fetch', normalise = (body) => body }: Compare = {}) {
  const stock = await answer(stockAdapter(), call, via);
  const ours = await answer(ourAdapter(), call, via);
  expect(ours.status, 'status').toBe(stock.status);
  expect(ours.headers['content-type'], 'content-type').toBe(stock.headers['content-type']);
  expect(ours.headers, 'headers').toEqual(stock.headers);
  expect(normalise(ours.body), 'body').toEqual(normalise(stock.body));
  // The calls of a batch run at once: each settles, and is reported, when its database query
  // returns, in no fixed order. The same reports, then, in any order.
  expect([...ours.errors].sort(), 'errors reported to onError').toEqual([...stock.errors].sort());
  return stock;
}

const auth = (value = token) => ({ authorization: `Bearer ${value}` });
const JSON_TYPE = { 'content-type': 'application/json' };
const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));

function registerCall(username: string): Call {
  return {
    method: 'POST',
    path: '/auth.register',
    headers: JSON_TYPE,
    body: JSON.stringify({ username, password: PASSWORD }),
  };
}

/** A token pair with the values of its session (tokens, expiry times) replaced by their types. */
function withoutSessionValues(body: unknown): unknown {
  const data = (body as { result?: { data?: Record<string, unknown> } }).result?.data;
  if (!data) return body;
  const session = ['accessToken', 'refreshToken', 'expiresAt', 'refreshExpiresAt'];
  return { result: { data: { ...data, ...Object.fromEntries(session.map((key) => [key, typeof data[key]])) } } };
}

describe('GET queries', () => {
  it('user.me with a valid token: 200 and the user', async () => {
    const res = await expectSameAnswer({ path: '/user.me', headers: auth() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: { data: me } });
  });

  it('user.me without a token: 401', async () => {
    expect((await expectSameAnswer({ path: '/user.me' })).status).toBe(401);
  });

  it('user.me with a garbage token, or another scheme: 401', async () => {
    expect((await expectSameAnswer({ path: '/user.me', headers: auth('not.a.jwt') })).status).toBe(401);
    expect((await expectSameAnswer({ path: '/user.me', headers: { authorization: 'Basic eDp5' } })).status).toBe(401);
  });

  it('user.list with input: 200', async () => {
    const res = await expectSameAnswer({ path: `/user.list?input=${input({ limit: 5 })}`, headers: auth() });
    expect(res.status).toBe(200);
  });

  it('user.list with invalid input (limit 0, a string, JSON that does not parse): 400', async () => {
    for (const raw of [input({ limit: 0 }), input({ limit: 'ten' }), '%7B%22limit']) {
      const res = await expectSameAnswer({ path: `/user.list?input=${raw}`, headers: auth() });
      expect(res.status, raw).toBe(400);
    }
  });

  it('an unknown procedure: 404', async () => {
    expect((await expectSameAnswer({ path: '/user.nothing', headers: auth() })).status).toBe(404);
    expect((await expectSameAnswer({ path: '/nothing' })).status).toBe(404);
  });

  it('a percent-encoded procedure path', async () => {
    expect((await expectSameAnswer({ path: '/user%2Eme', headers: auth() })).status).toBe(200);
  });

  it('a mutation called with GET: 405', async () => {
    expect((await expectSameAnswer({ path: '/auth.logout', headers: auth() })).status).toBe(405);
  });

  // createFastTrpcHandler answers a lone GET query itself (answerQueries) and leaves
  // everything else to resolveResponse: both sides of that line, alike.
  it('user.byId: found (200), and an unknown id failing inside the procedure (404)', async () => {
    expect(
      (await expectSameAnswer({ path: `/user.byId?input=${input({ id: user.id })}`, headers: auth() })).status,
    ).toBe(200);
    const missing = input({ id: '00000000-0000-7000-8000-000000000000' });
    expect((await expectSameAnswer({ path: `/user.byId?input=${missing}`, headers: auth() })).status).toBe(404);
  });

  it('an empty, null or missing input; a repeated or unknown parameter', async () => {
    for (const query of [
      '?input=',
      '?input=null',
      '',
      '?input={}&input={}',
      '?limit=5',
      `?input=${input({ limit: 1 })}&x=1`,
    ]) {
      const res = await expectSameAnswer({ path: `/user.list${query}`, headers: auth() });
      expect([200, 400], query).toContain(res.status);
    }
  });

  it('names no router should resolve: an inherited property, an empty path', async () => {
    for (const path of ['/constructor', '/__proto__', '/toString', '/user.constructor', '/']) {
      expect((await expectSameAnswer({ path, headers: auth() })).status, path).toBe(404);
    }
  });

  it('a lone query asking for a stream, or sent with a content type', async () => {
    const variants: Record<string, string>[] = [
      { accept: 'application/jsonl' },
      { 'trpc-accept': 'application/jsonl' },
      JSON_TYPE,
    ];
    for (const headers of variants) {
      await expectSameAnswer({ path: '/user.me', headers: { ...auth(), ...headers } });
    }
  });
});

describe('GET batches', () => {
  const meAndList = (listInput: unknown) => `/user.me,user.list?batch=1&input=${input({ 1: listInput })}`;

  it('two calls that succeed: 200', async () => {
    expect((await expectSameAnswer({ path: meAndList({ limit: 2 }), headers: auth() })).status).toBe(200);
  });

  it('one call failing and one succeeding: 207', async () => {
    expect((await expectSameAnswer({ path: meAndList({ limit: 0 }), headers: auth() })).status).toBe(207);
  });

  it('every call failing alike: their status (401)', async () => {
    expect((await expectSameAnswer({ path: meAndList({}) })).status).toBe(401);
  });

  it('an unknown procedure in a batch: 207', async () => {
    const res = await expectSameAnswer({ path: `/user.me,user.nothing?batch=1&input={}`, headers: auth() });
    expect(res.status).toBe(207);
  });

  it('a batch whose calls fail inside their procedures: one 404 beside a 200 (207)', async () => {
    const missing = '00000000-0000-7000-8000-000000000000';
    const path = `/user.byId,user.byId?batch=1&input=${input({ 0: { id: user.id }, 1: { id: missing } })}`;
    expect((await expectSameAnswer({ path, headers: auth() })).status).toBe(207);
  });

  it('odd batches: inputs not an object, no input, batch=0, batch twice, an empty call', async () => {
    for (const path of [
      `/user.me,user.list?batch=1&input=${input([{}, { limit: 1 }])}`,
      '/user.me,user.me?batch=1',
      `/user.me,user.me?batch=0&input=${input({})}`,
      `/user.me,user.me?batch=1&batch=1&input=${input({})}`,
      `/user.me,?batch=1&input=${input({})}`,
      `/user.list,user.list?batch=1&input=${input({ 0: null, 1: { limit: 2 } })}`,
    ]) {
      await expectSameAnswer({ path, headers: auth() });
    }
  });

  it(`${MAX_BATCH_SIZE} calls: 200; ${MAX_BATCH_SIZE + 1} calls: refused alike`, async () => {
    const calls = (n: number) => `/${Array.from({ length: n }, () => 'user.me').join(',')}?batch=1&input={}`;
    expect((await expectSameAnswer({ path: calls(MAX_BATCH_SIZE), headers: auth() })).status).toBe(200);
    const over = await expectSameAnswer({ path: calls(MAX_BATCH_SIZE + 1), headers: auth() });
    expect(over.status).toBe(400);
    expect(over.text).not.toContain(String(user.id));
  });
});

describe('streamed batches (trpc-accept: application/jsonl)', () => {
  /**
   * The lines of a JSONL body, parsed: the head, then the chunks sorted, since calls may settle in
   * any order. (Only one call below succeeds, so the ids given to its nested values do not depend on it.)
   */
  const jsonlLines = (body: unknown) => {
    if (typeof body !== 'string') return body;
    const [head = '', ...chunks] = body.split('\n').filter(Boolean);
    return [parse(head), ...chunks.sort().map(parse)];
  };

  // The same bytes; how they are paced is the next describe's.
  it('the same stream, with one call succeeding and one failing', async () => {
    const call = {
      path: `/user.me,user.list?batch=1&input=${input({ 1: { limit: 0 } })}`,
      headers: { ...auth(), 'trpc-accept': 'application/jsonl' },
    };
    const res = await expectSameAnswer(call, { normalise: jsonlLines });
    expect(res.status).toBe(200);
    expect(res.text.split('\n').filter(Boolean).length).toBeGreaterThan(2);
    expect(res.text).toContain(String(user.id));
    expect(res.text).toContain('BAD_REQUEST');
  });

  it('a call that is not batched: refused alike (400)', async () => {
    const res = await expectSameAnswer({
      path: '/user.me',
      headers: { ...auth(), 'trpc-accept': 'application/jsonl' },
    });
    expect(res.status).toBe(400);
  });
});

describe('POST', () => {
  const login = (password: string): Call => ({
    method: 'POST',
    path: '/auth.login',
    headers: JSON_TYPE,
    body: JSON.stringify({ username: user.username, password }),
  });

  it('auth.login with a wrong password: 401', async () => {
    expect((await expectSameAnswer(login('wrong password!'))).status).toBe(401);
  });

  it('auth.login with the right password: 200 and a token pair (of a new session on each side)', async () => {
    const res = await expectSameAnswer(login(PASSWORD), { normalise: withoutSessionValues });
    expect(res.status).toBe(200);
    expect(withoutSessionValues(res.body)).toEqual({
      result: {
        data: {
          accessToken: 'string',
          refreshToken: 'string',
          tokenType: 'Bearer',
          expiresAt: 'number',
          refreshExpiresAt: 'number',
          user,
        },
      },
    });
  });

  it('auth.register: 200, alike but for the new account', async () => {
    const stock = await answer(stockAdapter(), registerCall(uniqueName('diff')));
    const ours = await answer(ourAdapter(), registerCall(uniqueName('diff')));
    const shape = ({ status, headers, body, errors }: Answer) => {
      const data = (withoutSessionValues(body) as { result: { data: { user: Record<string, unknown> } } }).result.data;
      const newUser = Object.fromEntries(Object.entries(data.user).map(([key, value]) => [key, typeof value]));
      return { status, headers, data: { ...data, user: newUser }, errors };
    };
    expect(ours.status).toBe(200);
    expect(shape(ours)).toEqual(shape(stock));
  });

  it('a batch of mutations, both failing differently: 207', async () => {
    const body = JSON.stringify({
      0: { username: 'x', password: PASSWORD },
      1: { username: 'no-such-user', password: PASSWORD },
    });
    const res = await expectSameAnswer({
      method: 'POST',
      path: '/auth.login,auth.login?batch=1',
      headers: JSON_TYPE,
      body,
    });
    expect(res.status).toBe(207);
  });

  it('a query called with POST: 405', async () => {
    const call = { method: 'POST', path: '/user.me', headers: { ...auth(), ...JSON_TYPE }, body: '{}' };
    expect((await expectSameAnswer(call)).status).toBe(405);
  });

  it('malformed JSON: 400', async () => {
    const call = { method: 'POST', path: '/auth.login', headers: JSON_TYPE, body: '{"username":' };
    expect((await expectSameAnswer(call)).status).toBe(400);
  });

  it('a body that is not JSON, or one without a content type: 415', async () => {
    const plain = { ...login(PASSWORD), headers: { 'content-type': 'text/plain' } };
    expect((await expectSameAnswer(plain)).status).toBe(415);
    const untyped = { ...login(PASSWORD), headers: {} };
    expect((await expectSameAnswer(untyped, { via: 'raw' })).status).toBe(415);
  });

  it(`a body over ${BODY_LIMIT_BYTES / 1024} kB: 413`, async () => {
    const body = JSON.stringify({ username: 'big', password: 'x'.repeat(BODY_LIMIT_BYTES) });
    expect((await expectSameAnswer({ method: 'POST', path: '/auth.login', headers: JSON_TYPE, body })).status).toBe(
      413,
    );
  });

  it('no body at all (auth.logout without a content type): 415', async () => {
    expect((await expectSameAnswer({ method: 'POST', path: '/auth.logout', headers: auth() })).status).toBe(415);
  });
});

describe("app.ts's caching headers", () => {
  // app.ts's responseMeta gives `vary: ['Origin']`: an array, appended to tRPC's own fields.
  it("Vary: tRPC's own fields, then responseMeta's Origin, on answers of both paths and errors", async () => {
    const calls: Call[] = [
      { path: '/user.me', headers: auth() },
      { path: '/user.me' },
      { path: '/user.me,user.list?batch=1', headers: auth() },
      { path: '/nothing' },
      {
        method: 'POST',
        path: '/auth.login',
        headers: JSON_TYPE,
        body: JSON.stringify({ username: 'nobody', password: PASSWORD }),
      },
      { method: 'POST', path: '/auth.login', headers: { 'content-type': 'text/plain' }, body: 'x' },
    ];
    for (const call of calls) {
      const res = await expectSameAnswer(call, { normalise: withoutSessionValues });
      expect(res.headers.vary, call.path).toBe('trpc-accept, accept, Origin');
    }
  });

  it('a Cache-Control and a Vary set in front of the handler (as app.ts does): kept, and merged, alike', async () => {
    const answers: Record<string, string | null>[] = [];
    for (const name of ADAPTER_NAMES) {
      const app = express();
      app.use('/trpc', (_req, res, next) => {
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Vary', 'Origin');
        next();
      });
      app.use('/trpc', adapterOf(name, trpcOptions({ errors: [] })));
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        for (const path of ['/user.me', '/nothing']) {
          const res = await fetch(`${baseUrl}/trpc${path}`, { headers: auth() });
          answers.push({ name, path, vary: res.headers.get('vary'), cacheControl: res.headers.get('cache-control') });
        }
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
    for (const answer of answers) {
      expect(answer, JSON.stringify(answer)).toMatchObject({
        vary: 'trpc-accept, accept, Origin',
        cacheControl: 'no-store',
      });
    }
  });
});

describe('other methods and odd requests', () => {
  it('HEAD: 204, no body', async () => {
    const res = await expectSameAnswer({ method: 'HEAD', path: '/user.me', headers: auth() });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('OPTIONS, PUT, PATCH, DELETE, and TRACE (which Fetch cannot make a Request of)', async () => {
    for (const method of ['OPTIONS', 'PUT', 'PATCH', 'DELETE', 'TRACE']) {
      const res = await expectSameAnswer({ method, path: '/user.me', headers: auth() }, { via: 'raw' });
      expect(res.status, method).toBe(method === 'TRACE' ? 500 : 415);
    }
  });

  it('a repeated request header (two X-Custom lines) still works', async () => {
    const call = { path: '/user.me', headers: { ...auth(), 'x-custom': ['one', 'two'] } };
    expect((await expectSameAnswer(call, { via: 'raw' })).status).toBe(200);
  });

  it('a repeated Authorization header: the first one counts', async () => {
    const twice = (first: string, second: string) => ({
      path: '/user.me',
      headers: { authorization: [`Bearer ${first}`, `Bearer ${second}`] },
    });
    expect((await expectSameAnswer(twice(token, 'garbage'), { via: 'raw' })).status).toBe(200);
    expect((await expectSameAnswer(twice('garbage', token), { via: 'raw' })).status).toBe(401);
  });

  it('a GET with a body: the body is ignored', async () => {
    const call = { path: '/user.me', headers: { ...auth(), ...JSON_TYPE }, body: '{"ignored":true}' };
    expect((await expectSameAnswer(call, { via: 'raw' })).status).toBe(200);
  });

  it('a Host header no URL can be made with: 400', async () => {
    const call = { path: '/user.me', headers: { ...auth(), host: '[bad' } };
    expect((await expectSameAnswer(call, { via: 'raw' })).status).toBe(400);
  });
});

/**
 * Sends a GET over a raw socket and destroys the socket once the handler has
 * the request (it waits in createContext until then); resolves, with the
 * errors reported to onError, once the handler has ended its response.
 */
async function abandon(adapter: Adapter, path: string, headers: Record<string, string>): Promise<string[]> {
  let reached = () => {};
  let ended = () => {};
  const inHandler = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const handled = new Promise<void>((resolve) => {
    ended = resolve;
  });
  adapter.hold = { reached, ended };
  adapter.errors.length = 0;
  try {
    const { hostname, port } = new URL(adapter.baseUrl);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    const lines = Object.entries({ ...headers, host: `${hostname}:${port}`, [HOLD_HEADER]: '1' });
    socket.write(`GET /trpc${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`);
    await inHandler;
    socket.destroy();
    await closed;
    await handled;
    return [...adapter.errors];
  } finally {
    adapter.hold = undefined;
  }
}

describe('a client that goes away mid-request', () => {
  const batch = `/user.me,user.list?batch=1&input=${input({ 1: { limit: 0 } })}`;
  /** Path, headers (besides the token) and the errors it reports, of each kind of request. */
  const abandoned: Record<string, [path: string, headers: Record<string, string>, errors: string[]]> = {
    'a query': ['/user.me', {}, []],
    'a batch': [batch, {}, ['BAD_REQUEST user.list']],
    // Its failing call fails before any I/O, so that both report it before the response ends.
    'a streamed batch': [
      '/user.me,user.nothing?batch=1&input={}',
      { 'trpc-accept': 'application/jsonl' },
      ['NOT_FOUND user.nothing'],
    ],
  };

  it.each(Object.keys(abandoned))(
    '%s: the handler ends it without crashing, reports the same errors, and answers the next request',
    async (kind) => {
      const [path, headers, errors] = abandoned[kind] as [string, Record<string, string>, string[]];
      const reported: string[][] = [];
      for (const adapter of adapters) {
        reported.push(await abandon(adapter, path, { ...headers, ...auth() }));
        const next = await answer(adapter, { path: '/user.me', headers: auth() });
        expect(next.status, adapter.name).toBe(200);
        expect(next.body, adapter.name).toEqual({ result: { data: me } });
      }
      expect(reported[0], 'errors reported to onError').toEqual(errors);
      expect(reported[1], 'errors reported to onError').toEqual(reported[0]);
    },
  );
});

describe('a streamed batch is sent as its calls settle', () => {
  /** `slow` answers only once released; `fast` at once. */
  function pacedRouter() {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = initTRPC.create();
    const router = t.router({
      fast: t.procedure.query(() => 'fast'),
      slow: t.procedure.query(async () => {
        await released;
        return 'slow';
      }),
    });
    return { router, release };
  }

  it.each(ADAPTER_NAMES)('%s: the head and the fast call arrive while the slow one still runs', async (name) => {
    const { router, release } = pacedRouter();
    try {
      await withAdapter(name, { router, createContext: () => ({}) }, async (baseUrl) => {
        const res = await fetch(`${baseUrl}/trpc/slow,fast?batch=1&input={}`, {
          headers: { 'trpc-accept': 'application/jsonl' },
        });
        expect(res.status).toBe(200);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let received = '';
        // Read until `fast`'s answer is in. A handler that held the stream back would deliver
        // nothing until `slow` is released, and `slow` is released only after this loop.
        while (!received.includes('"fast"')) {
          const { value, done } = await reader.read();
          if (done) break;
          received += decoder.decode(value, { stream: true });
        }
        expect(received).toContain('"fast"');
        expect(received).not.toContain('"slow"');
        release();
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          received += decoder.decode(chunk.value, { stream: true });
        }
        expect(received).toContain('"slow"');
      });
    } finally {
      release();
    }
  });
});

describe('what createFastTrpcHandler refuses when it is made (options its fast path would not honour)', () => {
  const t = initTRPC.create();
  const router = t.router({ ping: t.procedure.query(() => 'pong') });

  it('batching turned off, by allowBatching or the older batching option', () => {
    expect(() => createFastTrpcHandler({ router, allowBatching: false })).toThrow(/allowBatching/);
    expect(() => createFastTrpcHandler({ router, batching: { enabled: false } })).toThrow(/batching/);
  });

  it('a router with a transformer', () => {
    const wrapped = initTRPC.create({
      transformer: {
        serialize: (value: unknown) => ({ json: value }),
        deserialize: (value: { json: unknown }) => value.json,
      },
    });
    const withTransformer = wrapped.router({ ping: wrapped.procedure.query(() => 'pong') });
    expect(() => createFastTrpcHandler({ router: withTransformer })).toThrow(/transformer/);
  });

  it('a router whose URLs use another path separator', () => {
    const tilde = initTRPC.create({ pathSeparator: '~' });
    const withTilde = tilde.router({ ping: tilde.procedure.query(() => 'pong') });
    expect(() => createFastTrpcHandler({ router: withTilde })).toThrow(/pathSeparator/);
  });

  it('an option it does not know', () => {
    const unknown = { router, experimental_somethingNew: true } as Parameters<typeof createFastTrpcHandler>[0];
    expect(() => createFastTrpcHandler(unknown)).toThrow(/experimental_somethingNew/);
  });

  it('takes what app.ts passes, and batching left on', () => {
    const options = trpcOptions({ errors: [] });
    expect(() => createFastTrpcHandler({ ...options, allowBatching: true, allowMethodOverride: false })).not.toThrow();
  });
});

/**
 * One GET of `path` sent to each adapter, each made with the options `optionsFor`
 * gives (told where to record what onError reports): each side's status, body
 * (stack traces masked: they name each side's own frames) and reports.
 */
async function answerOfEach<TRouter extends AnyTRPCRouter>(
  optionsFor: (reported: string[]) => FastTrpcHandlerOptions<TRouter>,
  path: string,
): Promise<{ status: number; body: unknown; reported: string[] }[]> {
  const answers: { status: number; body: unknown; reported: string[] }[] = [];
  for (const name of ADAPTER_NAMES) {
    const reported: string[] = [];
    await withAdapter(name, optionsFor(reported), async (baseUrl) => {
      const res = await fetch(`${baseUrl}/trpc${path}`);
      const body = (await res.text()).replace(/"stack":"(?:[^"\\]|\\.)*"/g, '"stack":"…"');
      answers.push({ status: res.status, body: parse(body), reported });
    });
  }
  return answers;
}

describe('a response that cannot be built (responseMeta throws)', () => {
  it.each([
    ['always', () => true],
    ['only for a success', (errors: readonly unknown[]) => errors.length === 0],
  ])('(%s): the same error answer from both, and the same reports to onError', async (_when, throwsFor) => {
    const t = initTRPC.create();
    const router = t.router({ ping: t.procedure.query(() => 'pong') });
    const [stock, ours] = await answerOfEach(
      (reported) => ({
        router,
        createContext: () => ({}),
        responseMeta: ({ errors }: { errors: readonly unknown[] }) => {
          if (throwsFor(errors)) throw new Error('responseMeta broke');
          return {};
        },
        onError: ({ error, type }: { error: { code: string }; type: string }) => {
          reported.push(`${error.code} ${type}`);
        },
      }),
      '/ping',
    );
    expect(stock?.status).toBe(500);
    expect(ours).toEqual(stock);
  });
});

describe('a query whose data only a stream can carry (a promise inside), without a streaming link', () => {
  it.each([
    ['alone', '/deferred'],
    ['in a batch', '/ping,deferred?batch=1&input={}'],
  ])('%s: the same error answer from both, and the same reports to onError', async (_how, path) => {
    const t = initTRPC.create();
    const router = t.router({
      ping: t.procedure.query(() => 'pong'),
      deferred: t.procedure.query(() => ({ later: Promise.resolve(1) })),
    });
    const [stock, ours] = await answerOfEach(
      (reported) => ({
        router,
        createContext: () => ({}),
        onError: ({ error, path: at }: { error: { code: string }; path?: string }) => {
          reported.push(`${error.code} ${at ?? '-'}`);
        },
      }),
      path,
    );
    expect(stock?.reported).toHaveLength(path.includes('batch') ? 0 : 1);
    expect(ours).toEqual(stock);
  });
});
