/**
 * The one place that reaches under MikroORM: the Kysely dialects it runs on
 * (a bounded mysql2 pool, a statement-keeping libsql database) and the hot
 * reads that skip its `execute`. Everything outside this folder uses
 * MikroORM's public API only; `.ci/seams.mjs` fails the build otherwise.
 * Upgrading: packages/db/README.md.
 */
import type { Options } from '@mikro-orm/core';
import type { PoolOptions } from 'mysql2';
import { registerDriverOptions } from './dialects.js';
import type { MysqlPoolBounds, PoolUse } from './mysql-pool.js';

export { driverDialectOf } from './dialects.js';
export type { MysqlPoolBounds, PoolUse } from './mysql-pool.js';
export { readRows } from './read-rows.js';

/** What the driver needs to open the database the URL named. */
export type DriverTarget =
  | {
      dialect: 'mysql';
      /** mysql2's options for a pool, made by MikroORM from its configuration; called when the pool is made. */
      poolOptions: () => PoolOptions;
      bounds: MysqlPoolBounds;
      /** Counted by the pool as it works; read by metrics. */
      use: PoolUse;
    }
  | { dialect: 'sqlite'; file: string };

/**
 * MikroORM's `driver` and `driverOptions` for the dialect: only that
 * dialect's modules are loaded.
 */
export async function driverOptionsFor(target: DriverTarget): Promise<Pick<Options, 'driver' | 'driverOptions'>> {
  if (target.dialect === 'mysql') {
    const [{ MySqlDriver }, { boundedMysqlDialect }] = await Promise.all([
      import('@mikro-orm/mysql'),
      import('./mysql-pool.js'),
    ]);
    return {
      driver: MySqlDriver,
      driverOptions: registerDriverOptions(boundedMysqlDialect(target.poolOptions, target.bounds, target.use), 'mysql'),
    };
  }
  const [{ LibSqlDriver }, { statementCachingSqliteDialect }] = await Promise.all([
    import('@mikro-orm/libsql'),
    import('./sqlite-database.js'),
  ]);
  return {
    driver: LibSqlDriver,
    driverOptions: registerDriverOptions(statementCachingSqliteDialect(target.file), 'sqlite'),
  };
}

/**
 * The same options with this folder taken out: MikroORM builds its own
 * dialect and `readRows` goes through its `execute`. The stock side of the
 * differential tests.
 */
export function withoutDriverSeam(options: Partial<Options>): Partial<Options> {
  const { driverOptions: _ours, ...stock } = options;
  return stock;
}
