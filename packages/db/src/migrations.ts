import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/core';
import { type Dialect, dialectOf } from './config.js';

/** Source folder of a dialect's migrations (meaningful when running from source). */
export function migrationsFolder(dialect: Dialect): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'migrations', dialect);
}

/**
 * Diffs the entities against the (migrated) database of the ORM's dialect and
 * writes a migration into that dialect's folder, then rewrites the folder's
 * index so the new migration is compiled and applied like the others.
 */
export async function createMigration(orm: MikroORM, name?: string): Promise<string | null> {
  const dialect = dialectOf(orm);
  const folder = migrationsFolder(dialect);
  const result = await orm.migrator.create(folder, false, false, name);
  if (!result.fileName) return null;
  writeMigrationsIndex(dialect, folder);
  return join(folder, result.fileName);
}

function writeMigrationsIndex(dialect: Dialect, folder: string): void {
  const names = readdirSync(folder)
    .filter((f) => /^Migration\d+.*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const lines = [
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...names.map((n, i) => `import { ${classNameOf(folder, n)} as M${i} } from './${n}.js';`),
    '',
    '// Kept in order by `pnpm db:migration:create`; compiled with the package, so',
    '// production runs the same migrations without a TypeScript loader.',
    `export const ${dialect}Migrations: MigrationObject[] = [`,
    ...names.map((n, i) => `  { name: '${n}', class: M${i} },`),
    '];',
    '',
  ];
  writeFileSync(join(folder, 'index.ts'), lines.join('\n'));
}

function classNameOf(folder: string, fileBase: string): string {
  const source = readFileSync(join(folder, `${fileBase}.ts`), 'utf8');
  const match = /export class (\w+)/.exec(source);
  if (!match?.[1]) throw new Error(`no exported class in migration ${fileBase}`);
  return match[1];
}
