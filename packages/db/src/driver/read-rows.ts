import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { CompiledQuery } from 'kysely';
import { driverDialectOf } from './dialects.js';
import { asPrepared } from './prepared.js';

/**
 * Runs a read that the API makes on nearly every request (the session check, a
 * page of users) as hand-written SQL, and returns the driver's rows as plain
 * data: no query building, no entity hydration, which were most of what those
 * reads cost through `findOne`.
 *
 * The statement goes to Kysely as MikroORM hands it out (`em.getKysely()`:
 * the transaction's connection inside a transaction, else the pool, with the
 * pool's bounds on MySQL), with its parameters bound by the driver: on SQLite
 * a statement kept prepared (sqlite-database.ts), on MySQL a server-side
 * prepared statement (mysql-pool.ts). That skips MikroORM's `execute`, which
 * first writes the parameters into the SQL text and logs the statement.
 *
 * It goes through `execute` instead with SQL logging on (`debug`), so that
 * every statement still shows in the log, and on an ORM whose driver is not
 * this folder's (the stock side of a differential test).
 */
export async function readRows<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const connection = em.getConnection();
  const dialect = driverDialectOf(em.config);
  if (!dialect || em.config.get('debug')) {
    return connection.execute<T[]>(sql, params, 'all', em.getTransactionContext());
  }
  await connection.ensureConnection();
  const platform = em.getPlatform();
  // SQLite binds neither dates nor booleans: they go as MikroORM stores them there.
  const values =
    dialect === 'sqlite'
      ? params.map((value) =>
          value instanceof Date
            ? platform.processDateProperty(value)
            : typeof value === 'boolean'
              ? Number(value)
              : value,
        )
      : asPrepared([...params]);
  const result = await (em as SqlEntityManager).getKysely().executeQuery<T>(CompiledQuery.raw(sql, values));
  return result.rows;
}
