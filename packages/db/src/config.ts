import { isAbsolute, resolve } from 'node:path';
import type { MikroORM, Options } from '@mikro-orm/core';
import { SessionSchema } from './entities/session.entity.js';
import { UserSchema } from './entities/user.entity.js';
import { mysqlMigrations } from './migrations/mysql/index.js';
import { sqliteMigrations } from './migrations/sqlite/index.js';

export type Dialect = 'mysql' | 'sqlite';

/** What the database layer needs to know; built by the app from its config. */
export interface DatabaseConfig {
  /** `mysql://user:pass@host:3306/db`, `sqlite:<file>`, or undefined for the default file. */
  url?: string | undefined;
  /** Relative SQLite paths and the default file are resolved against this directory. */
  rootDir: string;
  /** Log every SQL statement (development aid). */
  debug?: boolean;
  /** Upper bound of the connection pool (MySQL). */
  poolMax?: number;
  /** Do not log each migration as it is applied. */
  quiet?: boolean;
}

export type DatabaseTarget = { dialect: 'mysql'; url: string } | { dialect: 'sqlite'; file: string };

export const DEFAULT_SQLITE_FILE = 'data/dev.sqlite';

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

export function resolveDatabaseTarget(config: Pick<DatabaseConfig, 'url' | 'rootDir'>): DatabaseTarget {
  const url = config.url?.trim();
  if (!url) return { dialect: 'sqlite', file: resolve(config.rootDir, DEFAULT_SQLITE_FILE) };
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) {
    const parsed = new URL(url.replace(/^mariadb:/, 'mysql:'));
    if (!parsed.hostname || parsed.pathname.length <= 1) {
      throw new DatabaseUrlError('DATABASE_URL must name a host and a database: mysql://user:pass@host:3306/db');
    }
    return { dialect: 'mysql', url: parsed.toString() };
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new DatabaseUrlError('DATABASE_URL sqlite:<file> needs a file name');
    return { dialect: 'sqlite', file: file === ':memory:' || isAbsolute(file) ? file : resolve(config.rootDir, file) };
  }
  throw new DatabaseUrlError('DATABASE_URL must start with mysql:// or sqlite:');
}

/** MikroORM options for the target; the driver module is loaded only for the dialect in use. */
export async function createOrmOptions(config: DatabaseConfig): Promise<Options> {
  const target = resolveDatabaseTarget(config);
  const common = {
    entities: [UserSchema, SessionSchema],
    debug: config.debug ?? false,
    // Entities are plain schemas: no reflection, no discovery by folder.
    discovery: { warnWhenNoEntities: true, requireEntitiesArray: true },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureIndexes: false,
  } satisfies Options;
  const { Migrator } = await import('@mikro-orm/migrations');

  if (target.dialect === 'mysql') {
    const { MySqlDriver } = await import('@mikro-orm/mysql');
    return {
      ...common,
      driver: MySqlDriver,
      clientUrl: target.url,
      pool: { min: 0, max: config.poolMax ?? 10 },
      extensions: [Migrator],
      // MySQL commits DDL implicitly: a transaction around it would be a pretence.
      migrations: migrationOptions(mysqlMigrations, { transactional: false, silent: config.quiet ?? false }),
    };
  }

  const { mkdirSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
  const { LibSqlDriver } = await import('@mikro-orm/libsql');
  return {
    ...common,
    driver: LibSqlDriver,
    dbName: target.file,
    extensions: [Migrator],
    migrations: migrationOptions(sqliteMigrations, { transactional: true, silent: config.quiet ?? false }),
  };
}

function migrationOptions(
  list: typeof mysqlMigrations,
  options: { transactional: boolean; silent: boolean },
): Options['migrations'] {
  return {
    tableName: 'mikro_orm_migrations',
    migrationsList: list,
    ...options,
    allOrNothing: options.transactional,
    snapshot: false,
    emit: 'ts',
  };
}

export async function createOrm(config: DatabaseConfig): Promise<MikroORM> {
  const { MikroORM } = await import('@mikro-orm/core');
  return MikroORM.init(await createOrmOptions(config));
}

export function dialectOf(orm: MikroORM): Dialect {
  return orm.config.get('driver')?.name === 'MySqlDriver' ? 'mysql' : 'sqlite';
}

/** Applies every pending migration of the ORM's dialect; returns their names. */
export async function migrateToLatest(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/** A real round trip to the database, for readiness probes. */
export async function pingDatabase(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}
