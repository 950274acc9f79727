import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import type { AppRouter } from '@repo/api';
import { createOrm, migrateToLatest } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, register, startServer, type TestServer, uniqueName } from './helpers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

let db: TestDatabase;
/** The app's ORM, on a database the tests take away and bring back. */
let orm: MikroORM;
let server: TestServer;
/**
 * Takes the database away and back. MySQL: the app reaches it through a
 * proxy, which then refuses every connection. SQLite: the app's database file
 * lives in a folder that is then replaced by a plain file (a volume gone), so
 * it cannot be opened. MikroORM reconnects at the next query either way.
 */
let outage: { start(): Promise<void>; end(): Promise<void>; close(): Promise<void> };

beforeAll(async () => {
  db = await createTestDatabase();
  if (db.dialect === 'mysql') {
    const realUrl = new URL(db.url);
    const proxy: TcpProxy = await startTcpProxy({ host: realUrl.hostname, port: Number(realUrl.port || 3306) });
    const proxiedUrl = new URL(db.url);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxy.port);
    orm = await createOrm({ url: proxiedUrl.toString(), rootDir: tmpdir(), quiet: true });
    outage = { start: () => proxy.cut('refuse'), end: () => proxy.restore(), close: () => proxy.close() };
  } else {
    const folder = join(tmpdir(), `down-${process.pid}-${Date.now()}`);
    const away = `${folder}.away`;
    mkdirSync(folder);
    orm = await createOrm({ url: `sqlite:${join(folder, 'app.sqlite')}`, rootDir: tmpdir(), quiet: true });
    await migrateToLatest(orm);
    outage = {
      async start() {
        await orm.close(true);
        renameSync(folder, away);
        writeFileSync(folder, '');
      },
      async end() {
        rmSync(folder);
        renameSync(away, folder);
      },
      async close() {
        rmSync(folder, { recursive: true, force: true });
        rmSync(away, { recursive: true, force: true });
      },
    };
  }
  server = await startServer({ orm });
});
afterAll(async () => {
  await server?.close();
  await orm?.close(true);
  await outage?.close();
  await db?.destroy();
});

describe('when the database goes away and comes back', () => {
  it('answers 503 from /readyz and REST/tRPC calls while down, and 200 again after reconnecting', async () => {
    const username = uniqueName('down');
    const pair = await register(server, username);
    expect((await server.rest('GET', '/readyz')).status).toBe(200);

    await outage.start();

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

    await outage.end();

    expect((await server.rest('GET', '/readyz')).status).toBe(200);
    expect((await server.rest('GET', '/api/users/me', { token: pair.accessToken })).status).toBe(200);
  });
});
