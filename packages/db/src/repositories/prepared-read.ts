import type { EntityManager } from '@mikro-orm/core';

/**
 * Runs a read that the API makes on nearly every request (the session check, a
 * page of users) as hand-written SQL, and returns the driver's rows as plain
 * data: no query building, no entity hydration, which were most of what those
 * reads cost through `findOne` (see `pnpm bench`).
 *
 * It goes through MikroORM's own `execute`, so the statement runs on the
 * transaction's connection inside a transaction, within the pool's bounds on
 * MySQL, and shows in the SQL log when `debug` is on.
 */
export function preparedRead<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql, params, 'all', em.getTransactionContext());
}
