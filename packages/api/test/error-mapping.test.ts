/**
 * What the database layer throws when the database cannot answer in time
 * becomes a 503 SERVICE_UNAVAILABLE; any other database error stays what it
 * was. The errors are the real ones, from a real MikroORM on a real database.
 */
import { tmpdir } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import { ACQUIRE_TIMEOUT_CODE, createOrm } from '@repo/db';
import { createTestDatabase, type TestDatabase, testDialect } from '@repo/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toTRPCError } from '../src/error-mapping.js';

/** How a procedure's failure with `cause` reaches the client. */
function mapped(cause: unknown): TRPCError {
  return toTRPCError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }));
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('database errors that are not about availability', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('stay internal errors (a missing table is a bug, not an outage)', async () => {
    const error = await failureOf(db.orm.em.fork().getConnection().execute('select * from `no_such_table`'));
    expect(mapped(error).code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('a MySQL server that refuses connections', () => {
  it('is unavailable', async () => {
    const orm = await createOrm({ url: 'mysql://app@127.0.0.1:1/app', rootDir: tmpdir(), quiet: true });
    try {
      const error = await failureOf(orm.em.getConnection().execute('select 1'));
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expect(mapped(error).code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await orm.close(true);
    }
  });
});

describe.runIf(testDialect() === 'mysql')('the bounds of the MySQL pool', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    orm = await createOrm({
      url: db.url,
      rootDir: tmpdir(),
      quiet: true,
      poolMax: 1,
      acquireTimeoutMs: 200,
      queryTimeoutMs: 300,
    });
    // The pool's one connection, opened before the tests: on a loaded machine opening it can take
    // longer than the 200 ms bound, and the transaction meant to hold it would time out instead.
    // A caller that gave up leaves the connection to the pool when it opens: the next one gets it.
    await vi.waitFor(() => orm.em.getConnection().execute('select 0'), { timeout: 15_000, interval: 50 });
  });
  afterAll(async () => {
    await orm?.close(true);
    await db?.destroy();
  });

  it('a query waiting longer than the acquire timeout for a pooled connection is unavailable', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let isHolding = () => {};
    const holding = new Promise<void>((resolve) => {
      isHolding = resolve;
    });
    // The pool's only connection, taken by a transaction until `release`.
    const transaction = orm.em.fork().transactional(async (em) => {
      await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
      isHolding();
      await held;
    });
    await holding;
    const error = await failureOf(orm.em.getConnection().execute('select 2'));
    release();
    await transaction;
    expect(error).toMatchObject({ code: ACQUIRE_TIMEOUT_CODE });
    expect(mapped(error).code).toBe('SERVICE_UNAVAILABLE');
    // The connection came back to the pool.
    expect(await orm.em.getConnection().execute('select 3 as three')).toEqual([{ three: 3 }]);
  });

  it('a statement unanswered within the query timeout is unavailable, and its connection is replaced', async () => {
    const error = await failureOf(orm.em.getConnection().execute('select sleep(3)'));
    expect(error).toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
    expect(mapped(error).code).toBe('SERVICE_UNAVAILABLE');
    // With one connection, a reused one would still be busy with the sleep.
    expect(await orm.em.getConnection().execute('select 4 as four')).toEqual([{ four: 4 }]);
  });
});
