/**
 * `pnpm postman:generate`: writes postman/collection.json and
 * postman/local.postman_environment.json from the OpenAPI document.
 * Commit both; test/postman.test.ts fails while they are out of date.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePostmanFiles, POSTMAN_FILES } from './postman.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const files = await generatePostmanFiles();
for (const kind of ['collection', 'environment'] as const) {
  const path = POSTMAN_FILES[kind];
  const name = relative(root, path);
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before === files[kind]) {
    console.log(`${name}: up to date`);
  } else {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, files[kind]);
    console.log(`${name}: written`);
  }
}
