// Apart from mysql-pool.ts so that readRows marks statements without loading mysql2 on SQLite.

/**
 * Parameter arrays whose statement goes to mysql2's `execute` (prepared once
 * per connection, then only its parameters sent) instead of `query`. Kysely
 * hands the connection the very array it was given, so `readRows` marks the
 * hot reads here; MikroORM's own statements (parameters already written into
 * the text) stay one-off queries and never fill the per-connection cache.
 */
const preparedParameters = new WeakSet<readonly unknown[]>();

/** Marks `values` so that the statement they are bound to runs prepared. */
export function asPrepared<T extends readonly unknown[]>(values: T): T {
  preparedParameters.add(values);
  return values;
}

export function isPrepared(values: readonly unknown[]): boolean {
  return preparedParameters.has(values);
}
