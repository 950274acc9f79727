/**
 * Every migration exists for both dialects: `pnpm db:migration:create
 * --sqlite-only` writes SQLite's alone, and production runs on MySQL. The
 * timestamps of a pair may differ (each dialect's file is written in turn);
 * the names after them may not.
 */
import { describe, expect, it } from 'vitest';
import { mysqlMigrations } from '../src/migrations/mysql/index.js';
import { sqliteMigrations } from '../src/migrations/sqlite/index.js';

const namesOf = (migrations: { name: string }[]) =>
  migrations.map((migration) => migration.name.replace(/^Migration\d{14}_/, ''));

describe('migrations of the two dialects', () => {
  it('pair up one to one, in the same order', () => {
    expect(namesOf(mysqlMigrations)).toEqual(namesOf(sqliteMigrations));
  });

  it('carry no timestamp in the future: the next `db:migration:create` must sort after every one of them', () => {
    const now = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    for (const migrations of [mysqlMigrations, sqliteMigrations]) {
      for (const { name } of migrations)
        expect(name.slice('Migration'.length, 'Migration'.length + 14) <= now, name).toBe(true);
    }
  });

  it('are listed in the order of their timestamps, each name of the expected form', () => {
    for (const migrations of [mysqlMigrations, sqliteMigrations]) {
      const names = migrations.map((migration) => migration.name);
      for (const name of names) expect(name).toMatch(/^Migration\d{14}_[a-z0-9_]+$/);
      expect(names).toEqual([...names].sort());
    }
  });
});
