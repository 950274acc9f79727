#!/usr/bin/env node
/**
 * Library internals are reached in two declared seams only (docs: ARCHITECTURE.md,
 * "Rules of the road"): each seam has exact version pins, an "Upgrading" note
 * and differential tests, so an upgrade is checked in one place. This fails
 * when a tracked source file anywhere else reaches under one of those libraries.
 *
 *   node .ci/seams.mjs [root]     root: a git work tree (default: this repository)
 *
 * Exit 0 when every use is inside its seam, 1 (with file:line of each) otherwise.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A specifier of one of the driver libraries, in any import form: from '…', import('…'), require('…'), import '…'. */
const DRIVER_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"`](?:kysely|libsql|mysql2)(?:\/[^'"`]*)?['"`]/;

export const SEAMS = [
  {
    name: 'the database driver (Kysely, libsql, mysql2, and what bypasses MikroORM)',
    folder: 'packages/db/src/driver/',
    patterns: [
      [DRIVER_IMPORT, 'imports a driver library'],
      [/\bgetKysely\b/, "uses MikroORM's getKysely"],
      [/\bdriverOptions\b/, "sets MikroORM's driverOptions"],
    ],
    exceptions: new Map(),
  },
  {
    name: "tRPC's internals",
    folder: 'apps/server/src/fast-transport/',
    patterns: [
      [/\.\s*_def\b|['"`]_def['"`]/, "reads a router's or procedure's _def"],
      [/\binternal_[A-Za-z]/, 'uses an internal_ export'],
      [/@trpc\/server\/unstable-core-do-not-import/, "imports tRPC's unstable core"],
    ],
    exceptions: new Map([
      // procedurePaths lists the router's procedures by walking its own
      // properties (the way `appRouter.user.me` reaches one) and compares the
      // key with '_def' only to skip it: it reads nothing under it.
      ['apps/server/test/helpers.ts', 'names _def only to skip it while walking the router'],
    ]),
  },
];

/** This check and its test name what they look for: they are not uses. */
const SELF = new Set(['.ci/seams.mjs', '.ci/seams.test.mjs']);

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** The violations in the tracked source files of the work tree at `root`. */
export function findViolations(root) {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => SOURCE.test(file) && !SELF.has(file));
  const violations = [];
  for (const file of files) {
    let text;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue; // tracked but deleted in the work tree
    }
    const lines = text.split('\n');
    for (const seam of SEAMS) {
      if (file.startsWith(seam.folder) || seam.exceptions.has(file)) continue;
      lines.forEach((line, index) => {
        for (const [pattern, what] of seam.patterns) {
          if (pattern.test(line)) {
            violations.push({ file, line: index + 1, what, seam, text: line.trim() });
          }
        }
      });
    }
  }
  return violations;
}

function main() {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '../..'));
  const violations = findViolations(root);
  if (violations.length === 0) {
    console.log(`seams: library internals are reached only in ${SEAMS.map((seam) => seam.folder).join(' and ')}`);
    return;
  }
  for (const v of violations) {
    console.error(`${v.file}:${v.line}: ${v.what}, which belongs in ${v.seam.folder} (${v.seam.name})\n    ${v.text}`);
  }
  console.error(
    `\nseams: ${violations.length} use(s) of library internals outside their seam. Move the code into the seam ` +
      '(behind a public function of its index) or, if it reads nothing private, add a commented exception in .ci/seams.mjs.',
  );
  process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
