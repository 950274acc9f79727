import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Strings that are in the bundle if @repo/api's runtime code (or its server
 * dependencies) were pulled in: checked against a bundle of `appRouter` and
 * `createApiServices`, which contains every one of them.
 */
const SERVER_MARKERS = [
  'express',
  'mikro',
  'MikroORM',
  'knex',
  'bcrypt',
  // jsonwebtoken's own name does not survive bundling; its error class names do.
  'JsonWebTokenError',
  'zod',
  'ZodError',
  'node:crypto',
  'Missing or malformed Authorization header',
];

/**
 * Left unbundled: Node built-ins and the database drivers knex names but this
 * project does not install. So a server import shows up in the assertions
 * below (as markers, files and imports), not as a resolve error inside knex.
 */
const UNBUNDLED = ['node:*', ...builtinModules, 'mariadb/callback', 'better-sqlite3'];

async function browserBundle(entry: string | { contents: string }) {
  const result = await esbuild.build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: packageDir, loader: 'ts' } }),
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    // Workspace packages as in development: their TypeScript sources.
    conditions: ['source'],
    external: UNBUNDLED,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  const [meta] = Object.values(result.metafile.outputs);
  if (!output || !meta) throw new Error('esbuild produced no output');
  return { text: output.text, bytes: output.contents.byteLength, inputs: Object.keys(meta.inputs), meta };
}

// Not about the database: run once, in the SQLite project.
describe.skipIf(process.env.TEST_DB === 'mysql')('what the client ships', () => {
  it('a minified browser bundle of src/index.ts holds no server code', async () => {
    const bundle = await browserBundle(join(packageDir, 'src/index.ts'));
    console.log(`@repo/client browser bundle (esbuild, minified, ESM): ${bundle.bytes} bytes`);

    expect(SERVER_MARKERS.filter((marker) => bundle.text.includes(marker))).toEqual([]);
    // Only this package's sources and the tRPC client (with the observable helpers it shares with @trpc/server).
    expect(
      bundle.inputs.filter((input) => !/^src\/|\/node_modules\/@trpc\/(client|server)\/dist\//.test(input)),
    ).toEqual([]);
    expect(bundle.inputs.filter((input) => input.includes('@trpc/server/dist/adapters'))).toEqual([]);
    // Self-contained: nothing left to import.
    expect(bundle.meta.imports).toEqual([]);
  });

  it('the server markers are real: a bundle of @repo/api runtime code contains every one', async () => {
    const bundle = await browserBundle({ contents: "export { appRouter, createApiServices } from '@repo/api';" });
    expect(SERVER_MARKERS.filter((marker) => !bundle.text.includes(marker))).toEqual([]);
  }, 60_000);

  it('the compiled dist/ JavaScript never imports @repo/api at runtime, and plain Node can import it', async () => {
    // Inside the package's node_modules, so Node resolves @trpc/client from there as from dist/.
    const cacheDir = join(packageDir, 'node_modules', '.cache');
    mkdirSync(cacheDir, { recursive: true });
    const outDir = mkdtempSync(join(cacheDir, 'dist-test-'));
    try {
      execFileSync(join(packageDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir], {
        cwd: packageDir,
        stdio: 'pipe',
      });
      const files = readdirSync(outDir);
      expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));

      const specifiers = new Set<string>();
      for (const file of files.filter((name) => name.endsWith('.js'))) {
        const code = readFileSync(join(outDir, file), 'utf8');
        for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) {
          if (match[1]) specifiers.add(match[1]);
        }
      }
      expect([...specifiers].filter((specifier) => !specifier.startsWith('./')).sort()).toEqual([
        '@trpc/client',
        '@trpc/server/observable',
      ]);

      const built = (await import(pathToFileURL(join(outDir, 'index.js')).href)) as Record<string, unknown>;
      expect(typeof built.createApiClient).toBe('function');
      expect(typeof built.localStorageSessionStore).toBe('function');
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
