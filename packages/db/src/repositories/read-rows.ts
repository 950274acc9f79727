import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { CompiledQuery } from 'kysely';

/**
 * Runs a read that the API makes on nearly every request (the session check, a
 * page of users) as hand-written SQL, and returns the driver's rows as plain
 * data: no query building, no entity hydration, which were most of what those
 * reads cost through `findOne` (see `pnpm bench`).
 *
 * The statement goes to Kysely as MikroORM hands it out (`em.getKysely()`:
 * the transaction's connection inside a transaction, else the pool, with the
 * pool's bounds on MySQL), with its parameters bound by the driver. That
 * skips MikroORM's `execute`, which first writes the parameters into the SQL
 * text and logs the statement: the session check then costs about a fifth
 * less CPU on SQLite. With SQL logging on (`debug`) it goes through `execute`,
 * so that every statement still shows in the log.
 */
export async function readRows<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const connection = em.getConnection();
  if (em.config.get('debug')) return connection.execute<T[]>(sql, params, 'all', em.getTransactionContext());
  await connection.ensureConnection();
  const platform = em.getPlatform();
  // SQLite binds neither dates nor booleans: they go as MikroORM stores them there.
  const values =
    em.config.get('driver')?.name !== 'MySqlDriver'
      ? params.map((value) =>
          value instanceof Date
            ? platform.processDateProperty(value)
            : typeof value === 'boolean'
              ? Number(value)
              : value,
        )
      : params;
  const result = await (em as SqlEntityManager).getKysely().executeQuery<T>(CompiledQuery.raw(sql, values));
  return result.rows;
}
