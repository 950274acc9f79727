/**
 * The embedded SQLite database, given to MikroORM as the Kysely dialect it
 * runs on (`driverOptions`), as the MySQL pool is (mysql-pool.ts): Kysely's
 * `SqliteDialect` and the `SqliteDatabase` interface it documents, over a
 * libsql `Database`.
 *
 * What it adds to the dialect MikroORM would build itself: each distinct
 * statement is prepared once and kept. Kysely prepares every statement it
 * runs anew, and on libsql preparing the session check costs more than
 * running it (figures: bench/README.md). SQLite re-prepares a kept statement
 * by itself when the schema changes under it (a migration), and each run
 * binds its own parameters.
 *
 * And each file is opened as a server shares it (`openSqliteFile`): in
 * write-ahead-log mode, where a reader never blocks a writer nor a writer a
 * reader, and with a busy timeout, so that a write meeting another
 * process's (a second instance, the admin commands, a migration) waits for
 * it instead of failing at once with SQLITE_BUSY.
 */
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import Database from 'libsql';
import { inQuerySpan } from './query-spans.js';

/** Distinct statements kept per database: the app's own are a few dozen; past this, the oldest go. */
export const DEFAULT_STATEMENT_CACHE_SIZE = 500;

/** How long a statement waits for another connection's lock before SQLITE_BUSY, in ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * A libsql database in `file` (or `:memory:`), set up for a server: the busy
 * timeout first (switching to WAL takes a lock), then write-ahead logging,
 * which the file keeps. `synchronous` stays FULL: a commit is on disk
 * before it returns, so nothing acknowledged is lost to a power cut.
 */
export function openSqliteFile(file: string): Database.Database {
  const database = new Database(file);
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (file !== ':memory:') database.pragma('journal_mode = wal');
  return database;
}

/** Statements whose rows Kysely must read (`all`) rather than run for a count (`run`). */
const READS_ROWS = /^\s*(select|pragma|explain|with)\b|\breturning\b/i;

class KeptStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #statement: Database.Statement;

  constructor(
    private readonly database: Database.Database,
    private readonly sql: string,
  ) {
    this.#statement = database.prepare(sql);
    // libsql's own answer, or the statement's text: an `insert … returning` reads rows too.
    this.reader = this.#statement.reader || READS_ROWS.test(sql);
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return inQuerySpan('sqlite', this.sql, () => this.#statement.all(parameters as unknown[]));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return inQuerySpan('sqlite', this.sql, () => this.#statement.run(parameters as unknown[]));
  }

  /** A stream gets a statement of its own: one kept statement is never read by two callers at once. */
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.database.prepare(this.sql).iterate(parameters as unknown[]);
  }
}

/** A libsql database whose `prepare` hands out the statement it prepared before for the same text. */
export class StatementCachingDatabase implements SqliteDatabase {
  readonly #kept = new Map<string, KeptStatement>();

  constructor(
    private readonly database: Database.Database,
    private readonly cacheSize = DEFAULT_STATEMENT_CACHE_SIZE,
  ) {}

  /** The libsql database in `file` (or `:memory:`, see openSqliteFile), its statements kept. */
  static open(file: string, cacheSize?: number): StatementCachingDatabase {
    return new StatementCachingDatabase(openSqliteFile(file), cacheSize);
  }

  /** Statements kept now (tests). */
  get size(): number {
    return this.#kept.size;
  }

  prepare(sql: string): SqliteStatement {
    const kept = this.#kept.get(sql);
    if (kept) return kept;
    const statement = new KeptStatement(this.database, sql);
    if (this.#kept.size >= this.cacheSize) this.#kept.delete(this.#kept.keys().next().value as string);
    this.#kept.set(sql, statement);
    return statement;
  }

  close(): void {
    this.#kept.clear();
    this.database.close();
  }
}

/** Kysely's SQLite dialect over the libsql database in `file` (or `:memory:`), statements kept. */
export function statementCachingSqliteDialect(file: string): SqliteDialect {
  return new SqliteDialect({ database: async () => StatementCachingDatabase.open(file) });
}
