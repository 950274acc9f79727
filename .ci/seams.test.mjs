// The seams check on planted files in a scratch git work tree: `node --test .ci/seams.test.mjs`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'seams.mjs');
const scratch = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A git work tree holding `files` (path → text), all tracked; the check's exit code and output. */
function check(files) {
  const root = mkdtempSync(join(tmpdir(), 'seams-'));
  scratch.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  execFileSync('git', ['init', '-q'], { cwd: root });
  execFileSync('git', ['add', '-A'], { cwd: root });
  const run = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

const inside = {
  'packages/db/src/driver/pool.ts': "import { createPool } from 'mysql2';\nimport { CompiledQuery } from 'kysely';\n",
  'packages/db/src/driver/index.ts': 'export const options = { driverOptions: dialect, kysely: em.getKysely() };\n',
  'apps/server/src/fast-transport/trpc.ts':
    'const procedures = router._def.procedures;\nopts.internal_exceptionHandler;\n',
  'packages/db/src/repositories/users.ts': "import { EntityRepository } from '@mikro-orm/core';\n",
};

test('passes when every use of library internals is inside its seam', () => {
  const { status, output } = check(inside);
  assert.equal(status, 0, output);
});

test('fails on a driver import outside packages/db/src/driver/, naming the file and line', () => {
  for (const planted of [
    "import Database from 'libsql';",
    "import type { MysqlPool } from 'kysely';",
    "const { createPool } = await import('mysql2/promise');",
    "const mysql = require('mysql2');",
  ]) {
    const { status, output } = check({ ...inside, 'packages/api/src/services/users.ts': `// users\n${planted}\n` });
    assert.equal(status, 1, planted);
    assert.match(output, /packages\/api\/src\/services\/users\.ts:2: imports a driver library/);
  }
});

test("fails on MikroORM's getKysely or driverOptions outside the driver seam", () => {
  const kysely = check({ ...inside, 'packages/db/src/repositories/users.ts': 'const db = em.getKysely();\n' });
  assert.equal(kysely.status, 1);
  assert.match(kysely.output, /users\.ts:1: uses MikroORM's getKysely/);
  const options = check({ ...inside, 'packages/db/src/config.ts': 'export const o = { driverOptions: {} };\n' });
  assert.equal(options.status, 1);
  assert.match(options.output, /config\.ts:1: sets MikroORM's driverOptions/);
});

test("fails on tRPC's _def or internal_ outside apps/server/src/fast-transport/", () => {
  for (const planted of [
    'const all = appRouter._def.procedures;',
    "const all = appRouter['_def'];",
    'createExpressMiddleware({ router, internal_exceptionHandler: handler });',
    "import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';",
  ]) {
    const { status, output } = check({ ...inside, 'apps/server/src/app.ts': `${planted}\n` });
    assert.equal(status, 1, planted);
    assert.match(output, /apps\/server\/src\/app\.ts:1: /);
  }
});

test('leaves documentation and look-alike names alone', () => {
  const { status, output } = check({
    ...inside,
    'README.md': "`router._def`, `import Database from 'libsql'`\n",
    'packages/db/src/names.ts': "export const driverOptionsFor = 1;\nconst kyselyish = 'kysely-codegen';\n",
  });
  assert.equal(status, 0, output);
});

test('honours its listed exception, and only for that file', () => {
  const skip = "if (key === '_def' || key === 'createCaller') return [];\n";
  assert.equal(check({ ...inside, 'apps/server/test/helpers.ts': skip }).status, 0);
  const elsewhere = check({ ...inside, 'apps/server/test/other.ts': skip });
  assert.equal(elsewhere.status, 1);
  assert.match(elsewhere.output, /other\.ts:1: reads a router's or procedure's _def/);
});
