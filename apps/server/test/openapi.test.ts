/**
 * The OpenAPI document against the real server: every answer the routes give
 * is documented for its route and status, with the fields the document names.
 */
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, type RestOptions, register, startServer, type TestServer, uniqueName } from './helpers.js';

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: unknown;
}
interface Document {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
}

let db: TestDatabase;
let server: TestServer;
let doc: Document;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServer({ orm: db.orm });
  doc = (await server.rest<Document>('GET', '/api/openapi.json')).body;
});
afterAll(async () => {
  await server?.close();
  await db?.destroy();
});

function resolve(schema: Schema | undefined): Schema | undefined {
  const name = schema?.$ref?.replace('#/components/schemas/', '');
  return name === undefined ? schema : doc.components.schemas[name];
}

/** Asserts that the document has this status for the route, and that the body fits its schema's fields. */
function expectDocumented(route: string, status: number, body: unknown) {
  const [method = '', path = ''] = route.split(' ');
  const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
  expect(response, `${route} ${status} is not documented`).toBeDefined();
  const schema = resolve(response?.content?.['application/json']?.schema);
  expect(schema, `${route} ${status}`).toBeDefined();
  const fields = Object.keys(body as Record<string, unknown>);
  expect(fields, `${route} ${status}`).toEqual(expect.arrayContaining(schema?.required ?? []));
  if (schema?.additionalProperties === false) {
    expect(Object.keys(schema.properties ?? {}), `${route} ${status}`).toEqual(expect.arrayContaining(fields));
  }
  if (status >= 400) {
    expect(body, `${route} ${status}`).toMatchObject({ message: expect.any(String), code: expect.any(String) });
    // Extra fields are allowed by the Error schema, but those we send are described.
    for (const field of fields) expect(Object.keys(schema?.properties ?? {}), `${route} ${status}`).toContain(field);
  }
}

/** Calls `route` (with `{id}` replaced) and checks the answer against the document. */
async function call(
  route: string,
  expectedStatus: number,
  options: RestOptions & { id?: string; query?: string } = {},
) {
  const [method = '', path = ''] = route.split(' ');
  const url = `/api${path.replace('{id}', options.id ?? '')}${options.query ?? ''}`;
  const res = await server.rest(method, url, options);
  expect(res.status, `${route}: ${res.text}`).toBe(expectedStatus);
  expectDocumented(route, res.status, res.body);
  return res;
}

describe('the OpenAPI document matches the server’s answers', () => {
  it('on the auth routes', async () => {
    const username = uniqueName();
    await call('POST /auth/register', 200, { body: { username, password: PASSWORD } });
    await call('POST /auth/register', 400, { body: { username: 'x', password: PASSWORD } });
    await call('POST /auth/register', 400, { body: '{"username":' });
    await call('POST /auth/register', 409, { body: { username, password: PASSWORD } });
    await call('POST /auth/register', 413, { body: { username, password: 'x'.repeat(200 * 1024) } });

    const pair = (await call('POST /auth/login', 200, { body: { username, password: PASSWORD } })).body;
    await call('POST /auth/login', 400, { body: { username } });
    await call('POST /auth/login', 401, { body: { username, password: 'not the password' } });

    const refreshed = await call('POST /auth/refresh', 200, { body: { refreshToken: pair.refreshToken } });
    await call('POST /auth/refresh', 400, { body: {} });
    await call('POST /auth/refresh', 401, { body: { refreshToken: 'not-a-token' } });

    await call('POST /auth/logout', 401);
    await call('POST /auth/logout', 400, { token: String(refreshed.body.accessToken), body: '{' });
    await call('POST /auth/logout', 200, { token: String(refreshed.body.accessToken) });
    await call('POST /auth/logout-all', 401, { token: String(refreshed.body.accessToken) });
    await call('POST /auth/logout-all', 200, { token: (await register(server)).accessToken });
  });

  it('on the user routes', async () => {
    const pair = await register(server);
    const token = pair.accessToken;
    await call('GET /users/me', 200, { token });
    await call('GET /users/me', 401);
    await call('GET /users', 200, { token, query: '?limit=1' });
    await call('GET /users', 400, { token, query: '?limit=0' });
    await call('GET /users', 401);
    await call('GET /users/{id}', 200, { token, id: pair.user.id });
    await call('GET /users/{id}', 404, { token, id: '00000000-0000-7000-8000-000000000000' });
    await call('GET /users/{id}', 400, { token, id: 'x'.repeat(65) });
    await call('GET /users/{id}', 401, { id: pair.user.id });
    const change = { currentPassword: PASSWORD, newPassword: 'another good passphrase' };
    await call('POST /users/me/password', 400, { token, body: { ...change, currentPassword: 'wrong password' } });
    await call('POST /users/me/password', 401, { body: change });
    await call('POST /users/me/password', 200, { token, body: change });
  });
});
