import { createOrm, migrateToLatest, resolveDatabaseTarget } from '@repo/db';
import { loadConfigOrExit } from '../config.js';

const config = loadConfigOrExit();
const target = resolveDatabaseTarget({ url: config.databaseUrl, rootDir: config.rootDir });
const orm = await createOrm({ url: config.databaseUrl, rootDir: config.rootDir, ...config.databaseTimeouts });
try {
  const applied = await migrateToLatest(orm);
  const where = target.dialect === 'sqlite' ? `SQLite ${target.file}` : 'MySQL';
  console.log(applied.length ? `Applied to ${where}:\n  ${applied.join('\n  ')}` : `${where}: schema up to date`);
} finally {
  await orm.close();
}
