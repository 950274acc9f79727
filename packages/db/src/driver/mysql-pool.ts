/**
 * The MySQL connection pool with bounds on every wait, given to MikroORM as
 * the Kysely dialect it runs on (`driverOptions`). Kysely's `MysqlDialect`
 * and the `MysqlPool` interface it documents for a pool, and mysql2's pool,
 * connection, per-query `timeout` and `execute` (prepared statements).
 *
 * mysql2 alone waits without end for a pooled connection, and for the answer
 * to a statement (a connection whose peer went silent hangs every statement
 * sent on it); neither MikroORM nor Kysely sets a bound. Here a statement
 * fails after its timeout and its connection is discarded, and a caller waits
 * for a connection no longer than the acquire timeout.
 */
import { MysqlDialect, type MysqlPool, type MysqlPoolConnection } from 'kysely';
import {
  createConnection,
  createPool,
  type Pool,
  type PoolConnection,
  type PoolOptions,
  type QueryOptions,
} from 'mysql2';
import { ACQUIRE_TIMEOUT_CODE } from '../errors.js';
import { isPrepared as isMarkedPrepared } from './prepared.js';
import { endQuerySpan, startQuerySpan } from './query-spans.js';

export interface MysqlPoolBounds {
  /** How long a caller may wait for a pooled connection (a free one, or a new one being opened). */
  acquireTimeoutMs: number;
  /** How long a statement may wait for its answer, read per statement; 0 for none. */
  queryTimeoutMs(): number;
}

/**
 * What the pool is doing, read when metrics are scraped: connections handed
 * out and not yet given back, callers waiting for one, and those who gave up.
 */
export interface PoolUse {
  /** The most connections the pool opens (MikroORM's `pool.max`). */
  readonly max: number;
  inUse: number;
  waiting: number;
  acquireTimeouts: number;
}

/** The connection's pool could not hand out a connection in time. */
export class AcquireTimeoutError extends Error {
  override name = 'AcquireTimeoutError';
  readonly code = ACQUIRE_TIMEOUT_CODE;
  constructor(timeoutMs: number) {
    super(`No database connection was free within ${timeoutMs} ms`);
  }
}

function isQueryTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'PROTOCOL_SEQUENCE_TIMEOUT';
}

type QueryCallback = (error: unknown, result: never) => void;

/** The error mysql2 fails a statement with when its `timeout` passes. */
function queryTimeoutError(): Error {
  return Object.assign(new Error('Query inactivity timeout'), {
    code: 'PROTOCOL_SEQUENCE_TIMEOUT',
    errorno: 'PROTOCOL_SEQUENCE_TIMEOUT',
    syscall: 'query',
  });
}

/** One statement at a time with the current timeout; a timed-out connection is destroyed, not reused. */
function boundedConnection(
  connection: PoolConnection,
  bounds: MysqlPoolBounds,
  givenBack: () => void,
): MysqlPoolConnection {
  return {
    get config() {
      return connection.config;
    },
    get threadId() {
      return connection.threadId;
    },
    connect: (callback) => connection.connect(callback),
    destroy: () => {
      givenBack();
      connection.destroy();
    },
    release: () => {
      givenBack();
      connection.release();
    },
    query(sql: string, values: QueryOptions['values'], done?: QueryCallback) {
      const timeout = bounds.queryTimeoutMs();
      // Streams (no callback) stay unbounded: they may run long on purpose.
      if (!done) return connection.query({ sql, values });
      const span = startQuerySpan('mysql', sql);
      const callback: QueryCallback = (error, result) => {
        endQuerySpan(span, error);
        done(error, result);
      };
      const isPrepared = Array.isArray(values) && isMarkedPrepared(values);
      if (timeout <= 0) {
        return isPrepared ? connection.execute({ sql, values }, callback) : connection.query({ sql, values }, callback);
      }
      let isSettled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle: QueryCallback = (error, result) => {
        // mysql2 reports a timed-out statement once more when its connection closes.
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        // mysql2 fails the statement but keeps its connection, whose late (or
        // never coming) answer would block the next statement sent on it.
        if (isQueryTimeout(error)) {
          givenBack();
          connection.destroy();
        }
        callback(error, result);
      };
      // mysql2's own `timeout` covers the execution only, not the PREPARE an
      // `execute` sends first on a connection: the bound is timed here instead.
      if (isPrepared) timer = setTimeout(() => settle(queryTimeoutError(), undefined as never), timeout);
      return isPrepared
        ? connection.execute({ sql, values }, settle)
        : connection.query({ sql, values, timeout }, settle);
    },
  } as MysqlPoolConnection;
}

/** mysql2's pool, with a bound on how long `getConnection` may wait, and its use counted. */
function boundedPool(pool: Pool, bounds: MysqlPoolBounds, use: PoolUse): MysqlPool {
  // Kysely keeps its per-connection state by the object it gets: one per connection.
  const wrapped = new WeakMap<PoolConnection, MysqlPoolConnection>();
  // Handed out and not yet back: a timed-out statement destroys its connection, and Kysely then releases it too.
  const held = new Set<PoolConnection>();
  const giveBack = (connection: PoolConnection) => {
    if (held.delete(connection)) use.inUse = held.size;
  };
  return {
    getConnection(callback) {
      let isSettled = false;
      use.waiting += 1;
      const timer = setTimeout(() => {
        isSettled = true;
        use.waiting -= 1;
        use.acquireTimeouts += 1;
        callback(new AcquireTimeoutError(bounds.acquireTimeoutMs), undefined as never);
      }, bounds.acquireTimeoutMs);
      pool.getConnection((error, connection) => {
        if (isSettled) {
          // The caller gave up: a connection that comes late goes back to the pool.
          connection?.release();
          return;
        }
        isSettled = true;
        use.waiting -= 1;
        clearTimeout(timer);
        if (error) return callback(error, undefined as never);
        let bounded = wrapped.get(connection);
        if (!bounded) {
          bounded = boundedConnection(connection, bounds, () => giveBack(connection));
          wrapped.set(connection, bounded);
        }
        held.add(connection);
        use.inUse = held.size;
        callback(null, bounded);
      });
    },
    end: (callback) => pool.end(callback),
  };
}

/**
 * The dialect for MikroORM's `driverOptions`. The pool is made at the first
 * query (and again after a reconnect), from `poolOptions()`: MikroORM's own
 * mysql2 options for its configuration (`MySqlConnection.mapOptions`), so the
 * connection URL, pool size, time zone and type parsing stay MikroORM's.
 */
export function boundedMysqlDialect(
  poolOptions: () => PoolOptions,
  bounds: MysqlPoolBounds,
  use: PoolUse,
): MysqlDialect {
  return new MysqlDialect({
    pool: async () => boundedPool(createPool(poolOptions()), bounds, use),
    // Kysely cancels a statement (KILL QUERY) over a connection of its own, as MikroORM sets it up.
    controlConnection: createConnection,
  });
}
