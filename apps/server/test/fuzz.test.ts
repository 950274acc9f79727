/**
 * Property-based fuzzing of the whole HTTP surface with fast-check, on the
 * real app (createApp on an ephemeral port, the real database, bcrypt cost 4):
 * every REST route, every tRPC procedure as a single call (GET `?input=` for
 * queries, POST for mutations, and the other way round) and in batches
 * (`?batch=1`, GET and POST), and raw bytes for what an HTTP client would
 * refuse to send.
 *
 * Generated: wrong types, strings over every limit (bodies of 200 kB, headers
 * and URLs of 20 kB), unicode (astral, combining, RTL, NUL, lone surrogates,
 * invalid UTF-8 bytes), deep nesting, prototype-pollution keys in bodies and
 * query strings, malformed JSON, missing and wrong content types and
 * encodings, repeated query parameters, odd methods and paths, tokens that
 * are well formed but wrong (expired, revoked, of the other type, signed with
 * another secret, signed with ours over made-up claims) and garbage
 * Authorization headers.
 *
 * Properties: no 5xx and no hang (every exchange has a deadline); no
 * `unhandledRejection`/`uncaughtException` in the process; every error the app
 * answers is JSON `{ message, code }` (over /trpc: the tRPC envelope, in every
 * item of a batch); nothing the app logs at error level; no registration
 * yields an admin. Afterwards nothing stored before is lost (a user registered
 * first still signs in and `user.me` answers with its session) and
 * `Object.prototype` is untouched.
 *
 * It runs in both test projects (SQLite and MySQL): the databases fail
 * differently (a NUL in a query parameter broke only SQLite), and a run of
 * 1 780 cases takes about ten seconds on each (2 cores). The seed and the
 * number of cases are printed at the end. FUZZ_SEED replays another seed,
 * FUZZ_SCALE multiplies the number of runs (e.g. FUZZ_SCALE=10 for a long
 * session).
 */
import { gzipSync } from 'node:zlib';
import { appRouter, createApiServices, createOpenApiDocument, type TokenPair } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS,
  ACTOR_ID,
  ACTOR_NAME,
  type Case,
  decodeURIComponentSafe,
  NAVIGATION_ROUTES,
  otherRouteCase,
  ourTokens,
  PLACEHOLDER,
  PROCEDURE_PATHS,
  REFRESH,
  REVOKED_ACCESS,
  REVOKED_REFRESH,
  rawBytesCase,
  restCase,
  TARGETS,
  trpcBatchCase,
  trpcSingleCase,
} from './fuzz-arbitraries.js';
import { apiConfig, login, procedurePaths, register, startServer, type TestServer, uniqueName } from './helpers.js';
import { type RawClient, type RawRequest, type RawResponse, rawClient } from './raw-http.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

// ---------------------------------------------------------------------------
// The checks.

/** What Node's HTTP layer answers on its own: unparsable (400), too large (413, 414, 431), `Expect` it cannot meet (417). */
const NODE_STATUSES = [400, 413, 414, 417, 431];

const STACK_FRAME = /\n\s+at |\/node_modules\/|file:\/\//;

class PropertyViolation extends Error {
  override name = 'PropertyViolation';
}

function fail(what: string, req: RawRequest, res: { status: number; text: string }): never {
  throw new PropertyViolation(
    `${what}\n  request: ${req.method} ${req.path.slice(0, 300)}\n  response: ${res.status} ${res.text.slice(0, 600)}`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTrpcItem(item: unknown, req: RawRequest, res: RawResponse): void {
  if (!isObject(item)) fail('a tRPC response item is not an object', req, res);
  if ('result' in item) return;
  const error = item.error;
  if (!isObject(error)) fail('a tRPC response item has neither result nor error', req, res);
  const data = error.data;
  if (typeof error.message !== 'string' || typeof error.code !== 'number' || !isObject(data)) {
    fail('a tRPC error is not the tRPC envelope { message, code, data }', req, res);
  }
  if (typeof data.code !== 'string' || typeof data.httpStatus !== 'number') {
    fail('a tRPC error lacks data.code or data.httpStatus', req, res);
  }
  if (data.httpStatus >= 500) fail(`a tRPC call in the response failed with ${data.httpStatus}`, req, res);
  if ('stack' in data) fail('a tRPC error carries a stack', req, res);
}

/** tRPC streams JSON lines when asked to (as httpBatchStreamLink does). */
function isStreamed(req: RawRequest): boolean {
  const header = (name: string) =>
    Object.entries(req.headers ?? {})
      .find(([k]) => k.toLowerCase() === name)?.[1]
      ?.toString() ?? '';
  const trpcAccept = header('trpc-accept');
  return trpcAccept
    ? trpcAccept === 'application/jsonl'
    : header('accept')
        .split(',')
        .some((t) => t.trim() === 'application/jsonl');
}

function hasServerErrorStatus(value: unknown, depth: number): boolean {
  if (depth > 20 || typeof value !== 'object' || value === null) return false;
  if ('httpStatus' in value && typeof value.httpStatus === 'number' && value.httpStatus >= 500) return true;
  return Object.values(value).some((child) => hasServerErrorStatus(child, depth + 1));
}

/** Every property of a single response. */
function checkResponse(req: RawRequest, res: RawResponse): void {
  if (res.status >= 500) fail(`answered ${res.status}`, req, res);
  if (res.status < 100) fail('no status', req, res);
  if (res.fromNode && res.text === '') {
    // Node's HTTP layer refused the request before the app saw it.
    if (!NODE_STATUSES.includes(res.status)) fail('Node answered with an unexpected status', req, res);
    return;
  }
  if (STACK_FRAME.test(res.text) && res.headers['content-type']?.startsWith('application/json')) {
    fail('a JSON response carries a stack trace or source path', req, res);
  }
  if (res.status === 429 && res.headers['retry-after'] === undefined) fail('429 without Retry-After', req, res);
  const isTrpc = /^\/trpc(\/|\?|$)/i.test(req.path);
  const isJson = /^application\/json/.test(String(res.headers['content-type']));
  if (req.method === 'HEAD' || res.status === 204 || res.status === 304) return;
  if (res.status < 400 && !isJson) return;
  if (!isJson) fail('an error answered without a JSON content type', req, res);
  if (isTrpc && isStreamed(req)) {
    // JSON lines (httpBatchStreamLink): every line parses, and no call inside failed with a 5xx.
    for (const line of res.text.split('\n').filter(Boolean)) {
      let chunk: unknown;
      try {
        chunk = JSON.parse(line);
      } catch {
        fail('a line of a streamed tRPC response does not parse', req, res);
      }
      if (hasServerErrorStatus(chunk, 0)) fail('a streamed tRPC call failed with a 5xx', req, res);
    }
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    fail('a JSON response does not parse', req, res);
  }
  if (isTrpc && (Array.isArray(parsed) || (isObject(parsed) && ('result' in parsed || 'error' in parsed)))) {
    for (const item of Array.isArray(parsed) ? parsed : [parsed]) checkTrpcItem(item, req, res);
    return;
  }
  if (res.status >= 400) {
    if (!isObject(parsed) || typeof parsed.message !== 'string' || typeof parsed.code !== 'string') {
      fail('an error body is not JSON { message, code }', req, res);
    }
    return;
  }
  // A 2xx: a new session (a token pair) never makes an admin, whatever the body said. Other
  // bodies may have a `user` of their own (WebAuthn's creation options: the user entity).
  const user = isObject(parsed) && 'accessToken' in parsed && isObject(parsed.user) ? parsed.user : undefined;
  if (user && user.role !== 'user') fail('a registration or login produced a non-user role', req, res);
}

/** The final response in raw bytes: status below 500, and a JSON error body when the app answered. */
function checkRawAnswer(request: string, answer: string): void {
  const req = { method: 'RAW', path: JSON.stringify(request.slice(0, 300)) };
  const starts = [...answer.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)];
  for (const m of starts)
    if (Number(m[1]) >= 500) fail(`answered ${m[1]}`, req, { status: Number(m[1]), text: answer });
  const final = starts.find((m) => Number(m[1]) >= 200);
  if (!final) return; // Closed without an answer (CONNECT, Upgrade): nothing to check.
  const status = Number(final[1]);
  if (status < 400) return;
  const response = answer.slice(final.index);
  const split = response.indexOf('\r\n\r\n');
  const head = split < 0 ? response : response.slice(0, split);
  const rest = split < 0 ? '' : response.slice(split + 4);
  const isJson = /^content-type: application\/json/im.test(head);
  if (!isJson && !/^x-request-id:/im.test(head)) {
    // Node's HTTP layer refused the request before the app saw it.
    if (!NODE_STATUSES.includes(status)) fail('Node answered with an unexpected status', req, { status, text: answer });
    return;
  }
  if (!isJson) fail('an error answered without JSON', req, { status, text: answer });
  const length = Number(/^content-length: (\d+)/im.exec(head)?.[1] ?? Number.NaN);
  const bytes = Buffer.from(rest, 'latin1');
  const text = !Number.isNaN(length)
    ? bytes.subarray(0, length).toString('utf8')
    : /^transfer-encoding: chunked/im.test(head)
      ? dechunk(rest)
      : bytes.toString('utf8'); // HTTP/1.0: the body runs to the end of the connection.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('a JSON error body does not parse', req, { status, text: answer });
  }
  const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : parsed;
  if (!isObject(error) || typeof error.message !== 'string' || error.code === undefined) {
    fail('an error body lacks message or code', req, { status, text: answer });
  }
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !size) return Buffer.from(out, 'latin1').toString('utf8');
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

// ---------------------------------------------------------------------------
// The run.

let db: TestDatabase;
let server: TestServer;
let client: RawClient;
let revoked: TokenPair;
/** Signed up before any fuzzing: must come out whole. */
const sentinel = { username: uniqueName('sentinel'), password: 'the sentinel passphrase' };
let sentinelPair: TokenPair;
let prototypeBefore: { object: string[]; array: string[]; fn: string[] };
const processErrors: unknown[] = [];
const onProcessError = (error: unknown) => {
  processErrors.push(error);
};
const stats = { cases: 0, requests: 0, byFamily: new Map<string, number>(), byStatus: new Map<number, number>() };

function ownKeys() {
  return {
    object: Object.getOwnPropertyNames(Object.prototype).sort(),
    array: Object.getOwnPropertyNames(Array.prototype).sort(),
    fn: Object.getOwnPropertyNames(Function.prototype).sort(),
  };
}

beforeAll(async () => {
  process.on('unhandledRejection', onProcessError);
  process.on('uncaughtException', onProcessError);
  prototypeBefore = ownKeys();
  db = await createTestDatabase();
  // Warnings and errors only: an error line is a failure (see below); debug lines would cost time.
  server = await startServer({ orm: db.orm, logLevel: 'warn' });
  client = rawClient(server.baseUrl);
  sentinelPair = await register(server, sentinel.username, sentinel.password);
  revoked = await register(server);
  expect((await server.rest('POST', '/api/auth/logout', { token: revoked.accessToken })).status).toBe(200);
});

afterAll(async () => {
  process.off('unhandledRejection', onProcessError);
  process.off('uncaughtException', onProcessError);
  client?.close();
  await server?.close();
  await db?.destroy();
  const families = [...stats.byFamily].map(([family, n]) => `${family} ${n}`).join(', ');
  const statuses = [...stats.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  console.log(
    `[fuzz] seed ${SEED}: ${stats.cases} generated cases run (${families}), ${stats.requests} HTTP requests; statuses ${statuses}`,
  );
});

/**
 * The actor: a user with a live session, whose id, name and tokens fill the
 * placeholders. Signing up costs a database commit (tens of ms), so one actor
 * serves case after case, and a new one is made after any case that may have
 * ended its session or spent its refresh token (a successful call that logs
 * out, refreshes or changes the password).
 */
let actor: TokenPair | undefined;
const SPOILING_CALL = /logout|refresh|password/i;

async function materialize(req: RawRequest): Promise<{ request: RawRequest; usesActor: boolean }> {
  const text = `${req.path}\n${JSON.stringify(req.headers ?? {})}\n${typeof req.body === 'string' ? req.body : ''}`;
  if (!PLACEHOLDER.test(text)) return { request: req, usesActor: false };
  if (!actor) {
    actor = await register(server, uniqueName('actor'));
    stats.requests += 1;
  }
  const values: Record<string, string> = {
    [ACTOR_ID]: actor.user.id,
    [ACTOR_NAME]: actor.user.username,
    [ACCESS]: actor.accessToken,
    [REFRESH]: actor.refreshToken,
    [REVOKED_ACCESS]: revoked.accessToken,
    [REVOKED_REFRESH]: revoked.refreshToken,
  };
  const fill = (s: string) => s.replace(/@@[A-Z_]+@@/g, (m) => values[m] ?? m);
  const request = {
    method: req.method,
    path: fill(req.path),
    headers: Object.fromEntries(
      Object.entries(req.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(fill) : fill(v)]),
    ),
    ...(req.body !== undefined ? { body: typeof req.body === 'string' ? fill(req.body) : req.body } : {}),
  };
  return { request, usesActor: true };
}

const ERROR_LINE = /"level":(50|60)/;

/**
 * No process-level error, and no error logged by the app since `fromLine`
 * (the request log line is written on the response's 'finish', so a case
 * gives it a turn of the event loop first). Lines that still arrive late are
 * caught by the final check of the whole run.
 */
async function checkProcess(fromLine: number): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (processErrors.length) throw new PropertyViolation(`the process saw: ${String(processErrors[0])}`);
  const errorLine = server.logLines.slice(fromLine).find((line) => ERROR_LINE.test(line));
  if (errorLine) throw new PropertyViolation(`the app logged an error: ${errorLine.slice(0, 1500)}`);
}

async function runCase(c: Case): Promise<void> {
  const fromLine = server.logLines.length;
  stats.cases += 1;
  stats.byFamily.set(c.family, (stats.byFamily.get(c.family) ?? 0) + 1);
  const { request: filled, usesActor } = await materialize(c.request);
  const req = c.gzip && filled.body !== undefined ? { ...filled, body: gzipSync(filled.body) } : filled;
  const res = await client.send(req);
  stats.requests += 1;
  if (usesActor && res.status < 300 && SPOILING_CALL.test(decodeURIComponentSafe(req.path))) actor = undefined;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  checkResponse(req, res);
  await checkProcess(fromLine);
}

/** Each property has a seed of its own, derived from SEED (printed at the end), so any one replays alone. */
const assertOptions = (offset: number, numRuns: number): fc.Parameters<[Case]> => ({
  seed: SEED + offset,
  numRuns: runs(numRuns),
});
const PROPERTY_TIMEOUT_MS = 120_000 * Math.max(1, SCALE);

describe('fuzzing', () => {
  it('covers every procedure of the router and every route of the OpenAPI document', async () => {
    expect(procedurePaths(appRouter).sort()).toEqual([...PROCEDURE_PATHS].sort());
    const documented = Object.entries(createOpenApiDocument('/api').paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} /api${path}`),
    );
    expect(documented.sort()).toEqual(
      [...Object.values(TARGETS).map((t) => t.rest), ...NAVIGATION_ROUTES].map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const [path, target] of Object.entries(TARGETS)) {
      // tRPC answers a GET of a mutation, and only of a mutation, with 405: its word on each type.
      const res = await client.send({ method: 'GET', path: `/trpc/${path}` });
      expect(res.status === 405 ? 'mutation' : 'query', path).toBe(target.type);
    }
  });

  it(
    'REST: every route, generated requests get no 5xx and JSON errors',
    async () => {
      let offset = 0;
      for (const target of Object.values(TARGETS)) {
        const route = { ...target.rest, fields: target.fields };
        await fc.assert(fc.asyncProperty(restCase(route), runCase), assertOptions(offset++, 70));
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'tRPC: every procedure as a single call, over GET and POST',
    async () => {
      let offset = 100;
      for (const procedure of PROCEDURE_PATHS) {
        await fc.assert(fc.asyncProperty(trpcSingleCase(procedure), runCase), assertOptions(offset++, 70));
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'tRPC: batches of up to MAX_BATCH_SIZE + 3 calls, over GET and POST',
    async () => {
      await fc.assert(fc.asyncProperty(trpcBatchCase, runCase), assertOptions(200, 250));
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'other routes: probes, OpenAPI, docs, unknown paths',
    async () => {
      await fc.assert(fc.asyncProperty(otherRouteCase, runCase), assertOptions(300, 120));
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'raw bytes: request lines, framing and headers a client would not send',
    async () => {
      await fc.assert(
        fc.asyncProperty(rawBytesCase, async (text) => {
          const fromLine = server.logLines.length;
          stats.cases += 1;
          stats.requests += 1;
          stats.byFamily.set('raw', (stats.byFamily.get('raw') ?? 0) + 1);
          checkRawAnswer(text, await client.sendBytes(text));
          await checkProcess(fromLine);
        }),
        { seed: SEED + 400, numRuns: runs(150) },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('afterwards: nothing stored before is lost, and no prototype is polluted', async () => {
    // The session from before the fuzzing still works on the fuzzed server...
    const me = await server.rest('GET', '/api/users/me', { token: sentinelPair.accessToken });
    expect(me.status, me.text).toBe(200);
    expect(me.body).toEqual({ ...sentinelPair.user, email: null, emailVerified: false, pendingEmail: null });
    // ...and the account signs in (on a fresh instance: the fuzzing has exhausted
    // this address's failed-login budget on the first one, as it should).
    const fresh = await startServer({ orm: db.orm, services: createApiServices(apiConfig) });
    try {
      const pair = await login(fresh, sentinel.username, sentinel.password);
      expect(pair.user).toEqual(sentinelPair.user);
      const again = await fresh.rest('GET', '/api/users/me', { token: pair.accessToken });
      expect(again.body).toEqual({ ...sentinelPair.user, email: null, emailVerified: false, pendingEmail: null });
    } finally {
      await fresh.close();
    }
    expect(ownKeys()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(processErrors).toEqual([]);
    // The whole run, late lines included: the app never logged an error.
    expect(server.logLines.filter((line) => ERROR_LINE.test(line))).toEqual([]);
  });
});

describe('regressions: inputs that once answered 500', () => {
  it('deeply nested JSON bodies on every REST route with a body', async () => {
    const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const deepInField = `{"refreshToken":${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}}`;
    for (const target of Object.values(TARGETS).filter((t) => t.rest.method === 'POST')) {
      for (const b of [deep, deepInField]) {
        const req = {
          method: 'POST',
          path: target.rest.path,
          headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
          body: b,
        };
        const res = await client.send(req);
        checkResponse(req, res);
        expect(res.status).toBe(400);
      }
    }
  });

  it('a NUL (or other control character) in a user id or a cursor', async () => {
    const pair = await register(server);
    const auth = { authorization: `Bearer ${pair.accessToken}` };
    const inputs = [
      `/trpc/user.byId?input=${encodeURIComponent(JSON.stringify({ id: 'a\u0000b' }))}`,
      `/trpc/user.list?input=${encodeURIComponent(JSON.stringify({ cursor: '\u0000' }))}`,
      `/api/users?cursor=${encodeURIComponent('x\u0000')}`,
      `/trpc/user.byId?input=${encodeURIComponent(JSON.stringify({ id: '\u0001\u007f' }))}`,
    ];
    for (const path of inputs) {
      const req = { method: 'GET', path, headers: auth };
      const res = await client.send(req);
      checkResponse(req, res);
      expect(res.status, path).toBe(400);
    }
  });

  it('a request URL Express cannot parse gets a JSON 400, not an HTML page', async () => {
    const answer = await client.sendBytes('GET http://[bad/api/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(answer).toContain('"code":"BAD_REQUEST"');
    checkRawAnswer('GET http://[bad/api/users', answer);
  });

  it('a token signed with our secret whose session id is not one of our ids (here: holds a NUL) answers 401', async () => {
    const token = ourTokens.issueAccessToken({ userId: 'u', sessionId: 'a\u0000b' }, new Date()).token;
    const res = await client.send({
      method: 'GET',
      path: '/api/users/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
  });

  it('TRACE on /trpc (a method the Fetch API refuses) is a 405 in the tRPC envelope', async () => {
    const req = { method: 'TRACE', path: '/trpc/user.me' };
    const res = await client.send(req);
    checkResponse(req, res);
    expect(res.status).toBe(405);
    expect(JSON.parse(res.text)).toMatchObject({ error: { data: { code: 'METHOD_NOT_SUPPORTED', httpStatus: 405 } } });
  });

  it('tRPC errors raised before any procedure runs are labelled application/json', async () => {
    const cases: RawRequest[] = [
      { method: 'POST', path: '/trpc/auth.login', body: '{}' }, // no content type: 415
      { method: 'POST', path: '/trpc/auth.login', headers: { 'content-type': 'text/plain' }, body: '{}' },
      { method: 'GET', path: '/trpc/user.me,auth.login?batch=1' }, // a query and a mutation: 400
      { method: 'GET', path: '/trpc/user.me', headers: { host: 'a b' } }, // no URL can be made: 400
    ];
    for (const req of cases) {
      const res = await client.send(req);
      checkResponse(req, res);
      expect(res.status, req.path).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-type'], req.path).toMatch(/^application\/json/);
    }
  });

  it('REST errors of the body parser carry the matching code (415 UNSUPPORTED_MEDIA_TYPE)', async () => {
    const variants: Record<string, string>[] = [
      { 'content-type': 'application/json; charset=bogus' },
      { 'content-type': 'application/json', 'content-encoding': 'zzz' },
    ];
    for (const headers of variants) {
      const req = { method: 'POST', path: '/api/auth/login', headers, body: '{}' };
      const res = await client.send(req);
      checkResponse(req, res);
      expect(res.status).toBe(415);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
  });

  it('a password with a lone surrogate is refused, not hashed as U+FFFD', async () => {
    for (const password of ['\ud800\ud800\ud800abcdefgh', 'abcdefgh\udc00']) {
      const res = await server.rest('POST', '/api/auth/register', {
        body: JSON.stringify({ username: uniqueName('lone'), password }),
      });
      expect(res.status, res.text).toBe(400);
      expect(res.body.message).toMatch(/^password: /);
    }
  });
});
