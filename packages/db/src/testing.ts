/**
 * Test support: a fresh, migrated database per test file, on the dialect the
 * test project asks for (TEST_DB=sqlite|mysql; MySQL on TEST_DATABASE_URL).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { createOrm, type Dialect, migrateToLatest } from './config.js';

export interface TestDatabase {
  dialect: Dialect;
  /** The DATABASE_URL of this database, for code that takes a URL. */
  url: string;
  orm: MikroORM;
  /** Closes the ORM and deletes the database. */
  destroy(): Promise<void>;
}

/** Deletes an SQLite database file and the companions SQLite keeps beside it (write-ahead log, shared memory, journal). */
export function removeSqliteFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

export function testDialect(): Dialect {
  // biome-ignore lint/style/noProcessEnv: test support reads the test runner's choice
  return process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';
}

/**
 * A fresh database of `dialect`, migrated to the latest schema unless
 * `migrate` is false (then it is empty: for tests that build it themselves).
 */
export async function createTestDatabase(
  dialect: Dialect = testDialect(),
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (dialect === 'sqlite') {
    const file = join(tmpdir(), `${name}.sqlite`);
    const url = `sqlite:${file}`;
    const orm = await createOrm({ url, rootDir: tmpdir(), quiet: true });
    if (migrate) await migrateToLatest(orm);
    return {
      dialect,
      url,
      orm,
      async destroy() {
        await orm.close(true);
        removeSqliteFile(file);
      },
    };
  }

  // biome-ignore lint/style/noProcessEnv: test support reads the test runner's choice
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    throw new Error('TEST_DATABASE_URL is not set: MySQL tests need mysql://user:pass@host:3306/db (required in CI)');
  }
  const admin = await createOrm({ url: serverUrl, rootDir: tmpdir(), poolMax: 1 }).catch((error: unknown) => {
    throw new Error(`MySQL at TEST_DATABASE_URL is unreachable: ${String(error)}`);
  });
  try {
    await admin.em.getConnection().execute(`create database \`${name}\``);
  } catch (error) {
    await admin.close(true);
    throw new Error(`MySQL at TEST_DATABASE_URL is unreachable: ${String(error)}`);
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const orm = await createOrm({ url: url.toString(), rootDir: tmpdir(), quiet: true });
  if (migrate) await migrateToLatest(orm);
  return {
    dialect,
    url: url.toString(),
    orm,
    async destroy() {
      await orm.close(true);
      await admin.em.getConnection().execute(`drop database if exists \`${name}\``);
      await admin.close(true);
    },
  };
}
