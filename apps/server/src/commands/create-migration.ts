import { createMigration, type Dialect } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';

// `pnpm db:migration:create [name] [--sqlite-only]`: writes the next migration
// of each dialect after an entity change. Each is the diff between the
// entities and a scratch database migrated to the latest migration — a
// temporary SQLite file, and a temporary database on the MySQL server named by
// TEST_DATABASE_URL (the one the tests use) — so neither the development
// database nor its data matter, and both scratch databases are dropped after.
// Without a MySQL server, --sqlite-only writes the SQLite one alone (the MySQL
// tests then fail until its migration is written).
const args = process.argv.slice(2);
const isSqliteOnly = args.includes('--sqlite-only');
const name = args.find((arg) => !arg.startsWith('--'));
const dialects: Dialect[] = isSqliteOnly ? ['sqlite'] : ['sqlite', 'mysql'];

const scratch: TestDatabase[] = [];
try {
  // Both databases first: a missing MySQL server fails the command before it writes anything.
  for (const dialect of dialects) scratch.push(await createTestDatabase(dialect));
  let wroteSqlite = false;
  for (const db of scratch) {
    const file = await createMigration(db.orm, name);
    wroteSqlite ||= db.dialect === 'sqlite' && Boolean(file);
    console.log(file ? `${db.dialect}: wrote ${file}` : `${db.dialect}: no changes, the schema matches the entities`);
  }
  if (isSqliteOnly && wroteSqlite) {
    // Production runs on MySQL: say so loudly, and CI fails (packages/db's
    // migration parity test) until the MySQL migration exists.
    console.warn(
      '\nWARNING: MySQL has no migration for this change yet, and production runs on MySQL.\n' +
        'Run `pnpm db:migration:create <the same name>` with TEST_DATABASE_URL set to a MySQL server\n' +
        '(docker compose -f docker-compose.dev.yml up -d mysql); until then the tests and CI fail.',
    );
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`${message}\n(Without a MySQL server: pnpm db:migration:create ${name ?? '<name>'} --sqlite-only)`);
  process.exitCode = 1;
} finally {
  for (const db of scratch) await db.destroy();
}
