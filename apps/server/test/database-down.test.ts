import { tmpdir } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import type { AppRouter } from '@repo/api';
import { createOrm } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, register, startServer, type TestServer, uniqueName } from './helpers.js';

let db: TestDatabase;
/** A second ORM on the same database, which the tests take down and bring back. */
let orm: MikroORM;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  orm = await createOrm({ url: db.url, rootDir: tmpdir(), quiet: true });
  server = await startServer({ orm });
});
afterAll(async () => {
  await server?.close();
  await orm?.close(true);
  await db?.destroy();
});

describe('when the database goes away and comes back', () => {
  it('answers 503 from /readyz and REST/tRPC calls while down, and 200 again after reconnecting', async () => {
    const username = uniqueName('down');
    const pair = await register(server, username);
    expect((await server.rest('GET', '/readyz')).status).toBe(200);

    await orm.close(true);

    const ready = await server.rest('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });

    const me = await server.rest('GET', '/api/users/me', { token: pair.accessToken });
    expect(me.status).toBe(503);
    expect(me.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
    expect(me.text).not.toMatch(/\bat .*\(|node_modules|select /i);

    const signIn = await server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    expect(signIn.status).toBe(503);

    const error = await server
      .trpc(pair.accessToken)
      .user.me.query()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });

    // The health check does not depend on the database.
    expect((await server.rest('GET', '/healthz')).status).toBe(200);

    await orm.connect();

    expect((await server.rest('GET', '/readyz')).status).toBe(200);
    expect((await server.rest('GET', '/api/users/me', { token: pair.accessToken })).status).toBe(200);
  });
});
