/**
 * The OpenAPI document is the whole truth: the running server is held to it
 * by an independent validator (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses,
 * with ajv-formats), over the fuzz test's generated requests for every route
 * and requests made to meet each derived status (415, 403 of cookie mode
 * from a foreign origin, 400 of an unknown X-Session-Mode). For every answer
 * of a documented operation: its status is documented for that route, its
 * content type is documented for that status, and its JSON body validates
 * against the documented schema.
 */
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS,
  ACTOR_ID,
  ACTOR_NAME,
  NAVIGATION_ROUTES,
  PLACEHOLDER,
  REFRESH,
  REVOKED_ACCESS,
  REVOKED_REFRESH,
  restCase,
  TARGETS,
} from './fuzz-arbitraries.js';
import { register, startServer, type TestServer, uniqueName } from './helpers.js';
import { type RawClient, type RawRequest, type RawResponse, rawClient } from './raw-http.js';

// ajv-formats is CommonJS: its default export is the function under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface MediaType {
  schema?: unknown;
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
const CASES_PER_ROUTE = 40;

let db: TestDatabase;
let server: TestServer;
let client: RawClient;
let doc: Document;
let ajv: Ajv2020;
const validators = new Map<string, ValidateFunction>();
const seen = { checked: 0, outside: 0, statuses: new Map<string, Set<number>>() };
let revoked: { accessToken: string; refreshToken: string };

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServer({ orm: db.orm, logLevel: 'warn' });
  client = rawClient(server.baseUrl);
  doc = (await server.rest<Document>('GET', '/api/openapi.json')).body;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The document itself, so that `#/components/schemas/…` resolves inside it.
  ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  revoked = await register(server);
  expect((await server.rest('POST', '/api/auth/logout', { token: revoked.accessToken })).status).toBe(200);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await db?.destroy();
  const statuses = [...seen.statuses].map(([route, set]) => `${route} ${[...set].sort().join(',')}`).join('; ');
  console.log(`[conformance] ${seen.checked} answers checked, ${seen.outside} outside any operation; ${statuses}`);
});

/** The documented operation a request addresses, if any: its method and path exactly (`{id}` one segment). */
function operationOf(req: RawRequest): { route: string; operation: Operation } | undefined {
  // As the server reads the path: dot segments resolved (`/users/.` is `/users/`), a trailing slash allowed.
  const path = new URL(req.path.split('?')[0] ?? '', 'http://server').pathname;
  if (!path.startsWith('/api/')) return undefined;
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^/api${template.replace(/\{\w+\}/g, '[^/]+')}/?$`);
    const operation = item[req.method.toLowerCase()];
    if (operation && pattern.test(path)) return { route: `${req.method} ${template}`, operation };
  }
  return undefined;
}

function validatorOf(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    // Refs in the document are local to it: point them at the document added above.
    const rooted = JSON.parse(key.replaceAll('"#/components/', '"openapi.json#/components/'));
    validate = ajv.compile(rooted);
    validators.set(key, validate);
  }
  return validate;
}

/** The answer, held to the document. Returns the route it was held to (undefined: no documented operation). */
function expectDocumented(req: RawRequest, res: RawResponse): string | undefined {
  // Node's HTTP layer refused it before the app (no body): no route answered.
  if (res.fromNode && res.text === '') return undefined;
  const addressed = operationOf(req);
  if (!addressed || req.method === 'HEAD') {
    seen.outside += 1;
    return undefined;
  }
  const { route, operation } = addressed;
  const what = `${route} answered ${res.status} to ${req.method} ${req.path.slice(0, 200)}: ${res.text.slice(0, 300)}`;
  seen.checked += 1;
  seen.statuses.set(route, (seen.statuses.get(route) ?? new Set()).add(res.status));
  const response = operation.responses[String(res.status)];
  expect(response, `status not documented: ${what}`).toBeDefined();
  // A redirect with no body (the identity-provider navigations): documented with no content.
  if (res.text === '' && response?.content === undefined) return route;
  const type = String(res.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim();
  const media = response?.content?.[type ?? ''];
  expect(media, `content type ${type} not documented: ${what}`).toBeDefined();
  if (type === 'application/json' && media?.schema) {
    const validate = validatorOf(media.schema);
    const isValid = validate(JSON.parse(res.text));
    expect(isValid, `body does not fit the schema (${ajv.errorsText(validate.errors)}): ${what}`).toBe(true);
  }
  return route;
}

/** Fills the fuzz placeholders with a live session of its own (a new one after a call that may spoil it). */
let actor: Awaited<ReturnType<typeof register>> | undefined;
async function materialize(req: RawRequest): Promise<RawRequest> {
  const text = `${req.path}\n${JSON.stringify(req.headers ?? {})}\n${typeof req.body === 'string' ? req.body : ''}`;
  if (!PLACEHOLDER.test(text)) return req;
  actor ??= await register(server, uniqueName('conform'));
  const values: Record<string, string> = {
    [ACTOR_ID]: actor.user.id,
    [ACTOR_NAME]: actor.user.username,
    [ACCESS]: actor.accessToken,
    [REFRESH]: actor.refreshToken,
    [REVOKED_ACCESS]: revoked.accessToken,
    [REVOKED_REFRESH]: revoked.refreshToken,
  };
  const fill = (s: string) => s.replace(/@@[A-Z_]+@@/g, (m) => values[m] ?? m);
  // Any call may end the actor's session (logout, refresh, a new password): the next case gets a new one.
  actor = undefined;
  return {
    method: req.method,
    path: fill(req.path),
    headers: Object.fromEntries(
      Object.entries(req.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(fill) : fill(v)]),
    ),
    ...(req.body !== undefined ? { body: typeof req.body === 'string' ? fill(req.body) : req.body } : {}),
  };
}

async function send(req: RawRequest): Promise<{ res: RawResponse; route: string | undefined }> {
  const filled = await materialize(req);
  const res = await client.send(filled);
  return { res, route: expectDocumented(filled, res) };
}

describe('the running server, held to its OpenAPI document by Ajv', () => {
  it('answers the fuzz test’s generated requests to every route only as documented', async () => {
    let offset = 0;
    for (const target of Object.values(TARGETS)) {
      const cases = fc.sample(restCase({ ...target.rest, fields: target.fields }), {
        seed: SEED + offset++,
        numRuns: CASES_PER_ROUTE,
      });
      // gzip cases are sent as plain bodies here: the encoding is the fuzz test's business.
      for (const c of cases) await send(c.request);
    }
    expect(seen.checked).toBeGreaterThan(Object.keys(TARGETS).length * 10);
  }, 300_000);

  it('answers the browser navigations of an identity-provider sign-in only as documented', async () => {
    for (const route of NAVIGATION_ROUTES) {
      const cases = fc.sample(restCase({ ...route, fields: ['link', 'code', 'state', 'error'] }), {
        seed: SEED,
        numRuns: CASES_PER_ROUTE,
      });
      for (const c of cases) await send(c.request);
      // No provider is configured here: each answers the documented 404.
      const { res, route: held } = await send({ method: 'GET', path: route.path.replace('{provider}', 'google') });
      expect(res.status).toBe(404);
      expect(held).toBeDefined();
    }
  });

  it('documents the 415 of a body that is not JSON on every route with a body', async () => {
    for (const target of Object.values(TARGETS).filter((t) => t.rest.method === 'POST')) {
      for (const headers of [{ 'content-type': 'text/plain' }, {}] as Record<string, string>[]) {
        const req = { method: 'POST', path: target.rest.path.replace('{id}', 'x'), headers, body: '{}' };
        const { res, route } = await send(req);
        expect(res.status, `${req.path} ${JSON.stringify(headers)}`).toBe(415);
        expect(route).toBeDefined();
      }
    }
  });

  it('documents the 403 of cookie mode from a foreign origin, and the 400 of an unknown X-Session-Mode, everywhere', async () => {
    for (const target of Object.values(TARGETS)) {
      const path = target.rest.path.replace('{id}', 'x');
      const isPost = target.rest.method === 'POST';
      const base = {
        method: target.rest.method,
        path,
        ...(isPost ? { body: '{}' } : {}),
      };
      const json: Record<string, string> = isPost ? { 'content-type': 'application/json' } : {};
      const foreign = await send({
        ...base,
        headers: { ...json, 'x-session-mode': 'cookie', origin: 'http://evil.test', authorization: 'Bearer x' },
      });
      expect(foreign.res.status, path).toBe(403);
      const unknown = await send({ ...base, headers: { ...json, 'x-session-mode': 'sometimes' } });
      expect(unknown.res.status, path).toBe(400);
    }
  });

  it('answers sign-in, refresh and the user routes as documented, in both modes', async () => {
    const username = uniqueName('conform');
    const credentials = JSON.stringify({ username, password: 'a long enough password' });
    const json = { 'content-type': 'application/json' };
    const registered = await send({ method: 'POST', path: '/api/auth/register', headers: json, body: credentials });
    expect(registered.res.status).toBe(200);
    const pair = JSON.parse(registered.res.text) as { accessToken: string; refreshToken: string; user: { id: string } };
    const auth = { authorization: `Bearer ${pair.accessToken}` };
    for (const path of ['/api/users/me', '/api/users?limit=2', `/api/users/${pair.user.id}`]) {
      expect((await send({ method: 'GET', path, headers: auth })).res.status, path).toBe(200);
    }
    const cookieLogin = await send({
      method: 'POST',
      path: '/api/auth/login',
      headers: { ...json, 'x-session-mode': 'cookie' },
      body: credentials,
    });
    expect(cookieLogin.res.status).toBe(200);
    const refreshed = await send({
      method: 'POST',
      path: '/api/auth/refresh',
      headers: json,
      body: JSON.stringify({ refreshToken: pair.refreshToken }),
    });
    expect(refreshed.res.status).toBe(200);
  });
});
