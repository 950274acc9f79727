import { isAbsolute, resolve } from 'node:path';
import type { MigrationObject, MikroORM, Options } from '@mikro-orm/core';
import type { MySqlConnection } from '@mikro-orm/mysql';
import { driverDialectOf, driverOptionsFor, type PoolUse } from './driver/index.js';
import { AuditEventSchema } from './entities/audit-event.entity.js';
import { LinkedAccountSchema } from './entities/linked-account.entity.js';
import { MfaChallengeSchema } from './entities/mfa-challenge.entity.js';
import { OidcTicketSchema } from './entities/oidc-ticket.entity.js';
import { OneTimeTokenSchema } from './entities/one-time-token.entity.js';
import { PasskeySchema } from './entities/passkey.entity.js';
import { RecoveryCodeSchema } from './entities/recovery-code.entity.js';
import { SessionSchema } from './entities/session.entity.js';
import { TotpCredentialSchema } from './entities/totp-credential.entity.js';
import { UserSchema } from './entities/user.entity.js';
import { WebauthnChallengeSchema } from './entities/webauthn-challenge.entity.js';

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
  /**
   * Load the migrator (default true). A server that never migrates by itself
   * leaves it out and saves the memory of the migration toolchain.
   */
  migrations?: boolean;
  /** Do not log each migration as it is applied. */
  quiet?: boolean;
  /**
   * MySQL: how long opening one connection (TCP connect and handshake) may
   * take before it fails with ETIMEDOUT. Default 3 s.
   */
  connectTimeoutMs?: number;
  /**
   * MySQL: how long a query may wait for a pooled connection (a free one, or a
   * new one being opened) before it fails. Default 5 s.
   */
  acquireTimeoutMs?: number;
  /**
   * MySQL: how long one statement may wait for its answer. Past it the
   * statement fails and its connection is dropped (a connection whose peer
   * went silent would otherwise hang every query sent on it). 0 disables it.
   * Migrations run without it. Default 5 s.
   */
  queryTimeoutMs?: number;
  /** How long `pingDatabase` (the readiness probe) waits for its round trip. Default 2 s. */
  pingTimeoutMs?: number;
}

/**
 * The bounds that turn an unreachable or silent database into a prompt error
 * (and so a 503) instead of requests that hang.
 */
export const DEFAULT_DATABASE_TIMEOUTS = {
  connectTimeoutMs: 3_000,
  acquireTimeoutMs: 5_000,
  queryTimeoutMs: 5_000,
  pingTimeoutMs: 2_000,
} as const satisfies Required<
  Pick<DatabaseConfig, 'connectTimeoutMs' | 'acquireTimeoutMs' | 'queryTimeoutMs' | 'pingTimeoutMs'>
>;

/** The per-ORM bounds read at query time (mutable: migrations lift the query timeout). */
interface QueryBounds {
  queryTimeoutMs: number;
  pingTimeoutMs: number;
  /** Migrations in progress: while above 0, statements run without a timeout. */
  unbounded: number;
}

/**
 * What the driver reads while the ORM runs: the query bounds, and on MySQL the
 * pool's use (`poolUseOf`; SQLite has one connection and no pool). Kept by
 * the options `createOrmOptions` made, then by the ORM `createOrm` made of them.
 */
interface DriverState {
  bounds: QueryBounds;
  poolUse?: PoolUse;
}
const stateOfOptions = new WeakMap<Partial<Options>, DriverState>();
const stateOfOrm = new WeakMap<MikroORM, DriverState>();

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
export async function createOrmOptions(config: DatabaseConfig): Promise<Partial<Options>> {
  const target = resolveDatabaseTarget(config);
  const common = {
    entities: [
      UserSchema,
      SessionSchema,
      OneTimeTokenSchema,
      PasskeySchema,
      WebauthnChallengeSchema,
      TotpCredentialSchema,
      RecoveryCodeSchema,
      MfaChallengeSchema,
      AuditEventSchema,
      LinkedAccountSchema,
      OidcTicketSchema,
    ],
    debug: config.debug ?? false,
    // Entities are plain schemas: no reflection, no discovery by folder.
    discovery: { warnWhenNoEntities: true },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureIndexes: false,
  } satisfies Partial<Options>;
  const migrator = async (dialect: Dialect, transactional: boolean): Promise<Partial<Options>> => {
    if (config.migrations === false) return {};
    const { Migrator } = await import('@mikro-orm/migrations');
    const list =
      dialect === 'mysql'
        ? (await import('./migrations/mysql/index.js')).mysqlMigrations
        : (await import('./migrations/sqlite/index.js')).sqliteMigrations;
    return {
      extensions: [Migrator],
      migrations: migrationOptions(list, { transactional, silent: config.quiet ?? false }),
    };
  };
  const bounds: QueryBounds = {
    queryTimeoutMs: config.queryTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.queryTimeoutMs,
    pingTimeoutMs: config.pingTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.pingTimeoutMs,
    unbounded: 0,
  };

  if (target.dialect === 'mysql') {
    // The ORM, once MikroORM has made it: the pool is made from its configuration.
    let orm: MikroORM | undefined;
    const owner = { register: (made: MikroORM) => (orm = made) };
    const poolOptions = () => {
      if (!orm) throw new Error('The MySQL pool is made by the ORM it belongs to');
      const connection = orm.em.getConnection() as MySqlConnection;
      return connection.mapOptions({
        connectTimeout: config.connectTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.connectTimeoutMs,
      });
    };
    const migrations = await migrator('mysql', false);
    const poolMax = config.poolMax ?? 10;
    const use: PoolUse = { max: poolMax, inUse: 0, waiting: 0, acquireTimeouts: 0 };
    const options: Partial<Options> = {
      ...common,
      ...(await driverOptionsFor({
        dialect: 'mysql',
        poolOptions,
        bounds: {
          acquireTimeoutMs: config.acquireTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.acquireTimeoutMs,
          queryTimeoutMs: () => (bounds.unbounded > 0 ? 0 : bounds.queryTimeoutMs),
        },
        use,
      })),
      clientUrl: target.url,
      pool: { min: 0, max: poolMax },
      // MySQL commits DDL implicitly: a transaction around it would be a pretence.
      ...migrations,
      extensions: [owner, ...(migrations.extensions ?? [])],
    };
    stateOfOptions.set(options, { bounds, poolUse: use });
    return options;
  }

  const { mkdirSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
  const options: Partial<Options> = {
    ...common,
    // libsql under Kysely's SQLite dialect, each statement prepared once (driver/sqlite-database.ts).
    ...(await driverOptionsFor({ dialect: 'sqlite', file: target.file })),
    dbName: target.file,
    ...(await migrator('sqlite', true)),
  };
  stateOfOptions.set(options, { bounds });
  return options;
}

function migrationOptions(
  list: MigrationObject[],
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
  const options = await createOrmOptions(config);
  const orm = await MikroORM.init(options);
  const state = stateOfOptions.get(options);
  if (state) stateOfOrm.set(orm, state);
  return orm;
}

/** The MySQL pool's use as it is now (for metrics); undefined on SQLite or for an ORM not made by `createOrm`. */
export function poolUseOf(orm: MikroORM): Readonly<PoolUse> | undefined {
  return stateOfOrm.get(orm)?.poolUse;
}

/** The dialect DATABASE_URL chose for an ORM made by `createOrm`. */
export function dialectOf(orm: MikroORM): Dialect {
  const dialect = driverDialectOf(orm.config);
  if (!dialect) throw new Error('dialectOf: not an ORM made by createOrm');
  return dialect;
}

/**
 * Applies every pending migration of the ORM's dialect; returns their names.
 * Statements run without the query timeout: DDL on a large table may take long.
 */
export async function migrateToLatest(orm: MikroORM): Promise<string[]> {
  const bounds = stateOfOrm.get(orm)?.bounds;
  if (bounds) bounds.unbounded += 1;
  try {
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  } finally {
    if (bounds) bounds.unbounded -= 1;
  }
}

/**
 * A real round trip to the database, for readiness probes: false when it
 * fails or takes longer than `timeoutMs` (default: the ORM's `pingTimeoutMs`).
 */
export async function pingDatabase(orm: MikroORM, timeoutMs?: number): Promise<boolean> {
  const limitMs = timeoutMs ?? stateOfOrm.get(orm)?.bounds.pingTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.pingTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs);
  });
  // The round trip may outlive the answer; it is bounded by the pool's own timeouts.
  const roundTrip = orm.em
    .getConnection()
    .execute('select 1')
    .then(
      () => true,
      () => false,
    );
  try {
    return await Promise.race([roundTrip, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
