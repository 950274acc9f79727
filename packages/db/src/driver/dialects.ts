import type { Configuration } from '@mikro-orm/core';
import type { Dialect } from '../config.js';

/**
 * The dialect of each Kysely dialect object this folder gave MikroORM as
 * `driverOptions`, so that code reading the ORM's configuration knows the
 * driver from what the DATABASE_URL chose, not from a class name.
 */
const dialectOfDriverOptions = new WeakMap<object, Dialect>();

export function registerDriverOptions<T extends object>(driverOptions: T, dialect: Dialect): T {
  dialectOfDriverOptions.set(driverOptions, dialect);
  return driverOptions;
}

/** The dialect of an ORM configured by `driverOptionsFor`; undefined for any other (MikroORM's own dialect). */
export function driverDialectOf(config: Pick<Configuration, 'get'>): Dialect | undefined {
  const driverOptions: unknown = config.get('driverOptions');
  return typeof driverOptions === 'object' && driverOptions !== null
    ? dialectOfDriverOptions.get(driverOptions)
    : undefined;
}
