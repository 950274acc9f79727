import type { PlopTypes } from '@turbo/gen';
import { kebabCase, lowerFirst, snakeCase, validIdentifier, Workspace } from './workspace.js';

const DB = 'packages/db';
const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;

/** English plural, good enough for table names: Invoice → invoices, Category → categories, Box → boxes. */
function pluralOf(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

export function registerEntityGenerator(plop: PlopTypes.NodePlopAPI): void {
  plop.setGenerator('entity', {
    description:
      'A MikroORM entity (UUID v7 id, timestamps), its repository, its registration with the ORM and a test; then run pnpm db:migration:create',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'Entity (PascalCase, singular, e.g. "Invoice")',
        validate: validIdentifier('name', PASCAL_CASE),
      },
    ],
    actions: [(answers) => writeEntity(new Workspace(plop.getDestBasePath()), String(answers?.name))],
  });
}

function writeEntity(files: Workspace, name: string): string {
  const file = kebabCase(lowerFirst(name));
  const names = {
    schema: `${name}Schema`,
    repository: `${name}Repository`,
    table: pluralOf(snakeCase(lowerFirst(name))),
    key: pluralOf(lowerFirst(name)),
  };
  files.create(`${DB}/src/entities/${file}.entity.ts`, entityOf(name, names));
  files.create(`${DB}/src/repositories/${file}.repository.ts`, repositoryOf(name, file, names));

  // The ORM knows entities only from this list (no discovery by folder).
  // One line or many (Biome writes a long list one per line, with a trailing comma): append after the last entry.
  files.edit(`${DB}/src/config.ts`, /entities: \[[^\]]*\]/, (list) =>
    list.replace(/,?(\s*)\]$/, (_end, space: string) => `, ${names.schema}${space.includes('\n') ? ',' : ''}${space}]`),
  );
  files.addImports(`${DB}/src/config.ts`, [`import { ${names.schema} } from './entities/${file}.entity.js';`]);

  files.edit(`${DB}/src/repositories/index.ts`, /export function repositoriesOf[\s\S]*?\n {2}\};/, (body) =>
    body.replace(
      /\n {2}\};$/,
      `\n    ${names.key}: em.getRepository<${name}, ${names.repository}>(${names.schema}),\n  };`,
    ),
  );
  files.addImports(`${DB}/src/repositories/index.ts`, [
    `import { type ${name}, ${names.schema} } from '../entities/${file}.entity.js';`,
    `import type { ${names.repository} } from './${file}.repository.js';`,
  ]);

  const index = `${DB}/src/index.ts`;
  files.write(
    index,
    `${files.read(index)}export { type ${name}, ${names.schema} } from './entities/${file}.entity.js';\n` +
      `export { ${names.repository} } from './repositories/${file}.repository.js';\n`,
  );
  files.create(`${DB}/test/${file}.test.ts`, testOf(name, names));
  files.format();
  return `${name} (table ${names.table}); wrote ${[...files.touched].join(', ')}. Next: pnpm db:migration:create add_${names.table}`;
}

type Names = { schema: string; repository: string; table: string; key: string };

function entityOf(name: string, n: Names): string {
  return `import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { ${n.repository} } from '../repositories/${kebabCase(lowerFirst(name))}.repository.js';
import { uuidPrimaryKey } from './columns.js';

// Made by \`pnpm turbo gen entity\`: add your properties, then write the
// migrations with \`pnpm db:migration:create <name>\` (README "Make it yours").
export const ${n.schema} = defineEntity({
  name: '${name}',
  tableName: '${n.table}',
  repository: () => ${n.repository},
  properties: (p) => ({
    // UUID v7: opaque, yet time-ordered (a stable cursor for pagination). A row of a
    // user's: \`user: userReference()\` (from './user.entity.js'), deleted with them.
    id: uuidPrimaryKey(),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
});

export type ${name} = InferEntity<typeof ${n.schema}>;
`;
}

function repositoryOf(name: string, file: string, n: Names): string {
  return `import { EntityRepository } from '@mikro-orm/core';
import type { ${name} } from '../entities/${file}.entity.js';

/** The queries of \`${n.table}\`: services call these, never raw SQL. */
export class ${n.repository} extends EntityRepository<${name}> {
  /** A new row, stored at the next flush. */
  add(): ${name} {
    return this.create({});
  }

  /** The newest first (ids are UUID v7, so id order is creation order). */
  newest(limit: number): Promise<${name}[]> {
    return this.findAll({ orderBy: { id: 'desc' }, limit });
  }
}
`;
}

function testOf(name: string, n: Names): string {
  return `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoriesOf } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

// Made by \`pnpm turbo gen entity\`: runs on SQLite and on MySQL (TEST_DATABASE_URL),
// each migrated by the migrations \`pnpm db:migration:create\` wrote.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

describe('${name}', () => {
  it('is stored in ${n.table} with a UUID v7 id and its timestamps, and read back newest first', async () => {
    const em = db.orm.em.fork();
    const first = repositoriesOf(em).${n.key}.add();
    const second = repositoriesOf(em).${n.key}.add();
    await em.flush();
    const newest = await repositoriesOf(db.orm.em.fork()).${n.key}.newest(2);
    expect(newest.map((row) => row.id)).toEqual([second.id, first.id]);
    expect(newest[1]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(newest[1]?.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect(newest[1]?.updatedAt.getTime()).toBe(first.updatedAt.getTime());
  });
});
`;
}
