import { createMigration, createOrm, migrateToLatest } from '@repo/db';
import { loadConfigOrExit } from '../config.js';

// Diffs the entities against the database named by DATABASE_URL (after
// applying the existing migrations) and writes the next migration for its
// dialect. Run it once per dialect: with DATABASE_URL unset for SQLite, and
// with a mysql:// URL for MySQL.
const config = loadConfigOrExit();
const orm = await createOrm({ url: config.databaseUrl, rootDir: config.rootDir, ...config.databaseTimeouts });
try {
  await migrateToLatest(orm);
  const file = await createMigration(orm, process.argv[2]);
  console.log(file ? `Wrote ${file}` : 'No changes: the schema matches the entities');
} finally {
  await orm.close();
}
