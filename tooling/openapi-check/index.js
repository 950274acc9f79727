// Plain JavaScript, like the other tooling packages. openapi-typescript builds
// its output with TypeScript's JavaScript API, which the native TypeScript 7
// compiler of the workspace does not ship: this package has TypeScript 5 of
// its own, for openapi-typescript and for typechecking the generated client.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';

const run = promisify(execFile);
const PACKAGE_DIR = dirname(fileURLToPath(import.meta.url));
const BIN = join(PACKAGE_DIR, 'node_modules', '.bin');

/**
 * A fresh folder inside this package (git-ignored) for a generated client, so
 * that its `import 'openapi-fetch'` resolves, for tsc and at run time alike.
 * @param {string} name
 */
export function clientFolder(name) {
  const dir = join(PACKAGE_DIR, 'generated', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** @param {string} file @returns {Promise<string>} */
export async function redoclyLint(file) {
  const { stdout, stderr } = await run(join(BIN, 'redocly'), ['lint', '--extends=recommended', file], {
    cwd: dirname(file),
    // No telemetry or update check: the network here is closed, and the lint must not depend on it.
    // biome-ignore lint/style/noProcessEnv: a child process inherits the environment (PATH, HOME) plus these
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  return `${stdout}\n${stderr}`;
}

/** @param {unknown} document @param {string} file */
export async function writeClientTypes(document, file) {
  writeFileSync(file, astToString(await openapiTS(/** @type {never} */ (document))));
}

/**
 * Typechecks a folder of TypeScript that imports openapi-fetch (strict, ESM);
 * resolves to tsc's output, empty when it compiles.
 * @param {string} dir
 */
export async function typecheckClient(dir) {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['*.ts'],
    }),
  );
  try {
    await run(join(BIN, 'tsc'), ['-p', dir]);
    return '';
  } catch (error) {
    return String(/** @type {{ stdout?: string }} */ (error).stdout ?? error);
  }
}
