// Removes a part of the template you do not need, as README "Make it yours"
// says: deletes its files, edits every file that names it, then updates the
// lockfile. Every edit must apply exactly (a text that moved fails the run,
// naming the file), so the list below cannot silently rot: .ci/removals.sh
// applies each part in a scratch copy and runs the checks that could break.
//   node scripts/remove.mjs web|postman|bench [--no-install]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/**
 * Per part: `paths` to delete; per file, applied in this order, `blocks`
 * ([start, end] regexes: from the start line through the end line), `lines`
 * (regexes: every matching line goes, each must match one) and `replace`
 * ([text or regex, replacement], found exactly once in what is left). Text
 * edits, not parsed JSON: the files keep their formatting.
 */
const PARTS = {
  web: {
    paths: ['apps/web'],
    files: {
      'docker-compose.yml': {
        lines: [/^# nginx also serves the web app /],
        replace: [
          [
            `    # nginx with the web app's build (apps/web/Dockerfile), in front of the API.
    build:
      context: .
      dockerfile: apps/web/Dockerfile
    image: trpc-auth-web
`,
            `    # nginx in front of the API (deploy/nginx.conf); no app: any other path is a 404.
    image: nginx:1.27-alpine
`,
          ],
        ],
      },
      'README.md': {
        lines: [/^apps\/web\/ /, /^- \[apps\/web\/README\.md\]/],
        blocks: [[/^- `node scripts\/remove\.mjs web`/, /becomes a plain nginx in front of the API;$/]],
        replace: [
          ['The example web app starts beside it on `http://localhost:5173`. The first\n', 'The first\n'],
          ['nginx, which serves the web app and proxies the API on', 'nginx, which proxies the API on'],
          // The app's screenshots under the introduction, with the blank line before them.
          [/\n<img src="apps\/web\/docs\/[^\n]*\n/, ''],
        ],
      },
      'apps/server/README.md': {
        replace: [
          [
            '(../../packages/client/README.md#cookie-mode)\nand [apps/web/README.md](../../apps/web/README.md); the exact rules',
            '(../../packages/client/README.md#cookie-mode);\nthe exact rules',
          ],
          [
            '\n`apps/web/test/nginx.test.ts` runs this very file in nginx in front of the\nbuilt app and the API, and the app in Chromium under the policy.',
            '',
          ],
        ],
      },
    },
  },

  postman: {
    paths: [
      'postman',
      '.ci/postman.sh',
      'apps/server/scripts/postman.ts',
      'apps/server/scripts/postman-flow.ts',
      'apps/server/scripts/generate-postman.ts',
      'apps/server/test/postman.test.ts',
    ],
    files: {
      'package.json': { lines: [/^ {4}"postman:generate": /] },
      'apps/server/package.json': {
        // newman runs the collection in CI (.ci/postman.sh), nothing else.
        lines: [/^ {4}"openapi-to-postmanv2": /, /^ {4}"newman": /],
        replace: [[',\n    "postman:generate": "tsx --conditions=source scripts/generate-postman.ts"', '']],
      },
      'biome.json': { lines: [/^ {6}"!postman\/\*\.json",$/] },
      'pnpm-workspace.yaml': { lines: [/^ {2}openapi-to-postmanv2: /, /^ {2}newman: /] },
      '.dockerignore': { lines: [/^postman$/] },
      '.ci/checks.sh': {
        replace: [[' production postman docker ', ' production docker ']],
        blocks: [[/^ {4}postman\)$/, /bash \.ci\/postman\.sh ;;$/]],
      },
      '.github/workflows/ci.yml': {
        blocks: [[/- name: Postman collection with newman$/, /run: bash \.ci\/checks\.sh postman$/]],
      },
      '.ci/generators.sh': {
        replace: [
          ['# the OpenAPI, Postman, fuzz-coverage', '# the OpenAPI, fuzz-coverage'],
          ['# and the committed Postman collection, regenerated from the document.', '# (no other file lists routes).'],
          [
            'npx vitest run test/postman.test.ts test/fuzz.test.ts test/openapi-conformance.test.ts -t "postman|covers every procedure|only as documented"',
            'npx vitest run test/fuzz.test.ts test/openapi-conformance.test.ts -t "covers every procedure|only as documented"',
          ],
        ],
      },
      '.ci/run': {
        replace: [['SIGTERM), the Postman collection with newman, the Dockerfile', 'SIGTERM), the Dockerfile']],
      },
      'turbo/generators/procedure.ts': {
        lines: [
          /^ {2}\/\/ The committed Postman collection follows/,
          /^ {2}files\.run\('pnpm', \['postman:generate'\]\);$/,
        ],
      },
      'README.md': {
        lines: [/^postman\/ /],
        blocks: [[/^- `node scripts\/remove\.mjs postman`/, /^ {2}test and CI step;$/]],
        replace: [
          [
            ' **Postman**: Import both files of\n`postman/` and pick the environment "Auth API (local)"; Postman\'s web app\nreaches `127.0.0.1` only through its desktop agent (or use the desktop app). With\ncurl',
            ' With\ncurl',
          ],
          [
            'mounts the router it writes), and the Postman collection it regenerates. The',
            'mounts the router it writes). The',
          ],
        ],
      },
      'apps/server/README.md': {
        lines: [/^\| `pnpm postman:generate` \|/],
        blocks: [[/^### With Postman$/, /^run `pnpm postman:generate` and commit `postman\/`\.$/]],
        replace: [
          ['\n\n\n### Errors', '\n\n### Errors'],
          ['\nthe Postman collection with newman, the Dockerfile', '\nthe Dockerfile'],
        ],
      },
    },
  },

  bench: {
    paths: ['bench'],
    files: {
      'package.json': { replace: [[/,\n {4}"bench": "[^\n]*"/, '']] },
      'biome.json': {
        // Shorter, the list fits one line, as biome formats it.
        replace: [
          [
            '"includes": [\n        "apps/server/src/config.ts",\n        "**/test/**",\n        "**/vitest.config.ts",\n        "tooling/vitest/*.js",\n        ".ci/**",\n        "bench/**"\n      ],',
            '"includes": ["apps/server/src/config.ts", "**/test/**", "**/vitest.config.ts", "tooling/vitest/*.js", ".ci/**"],',
          ],
        ],
      },
      'pnpm-workspace.yaml': { lines: [/^ {2}- bench$/, /^ {2}autocannon: /, /^ {2}"@types\/autocannon": /] },
      '.gitignore': { lines: [/^bench\/results\/$/] },
      '.dockerignore': { lines: [/^bench\/results$/] },
      'apps/server/Dockerfile': {
        replace: [
          ['(a test keeps them equal; `pnpm bench` runs it)', '(a test keeps them equal)'],
          [' under 200 MB. Figures: bench/README.md.', ' under 200 MB.'],
        ],
      },
      'apps/server/test/production-start.test.ts': {
        replace: [
          ["(the package's start script, which\n * `pnpm bench` also runs)", "(the package's start\n * script)"],
        ],
      },
      'README.md': {
        lines: [/^bench\/ /, /^- \[bench\/README\.md\]/, /^- `node scripts\/remove\.mjs bench`/],
        blocks: [[/^## Performance$/, /^\[bench\/README\.md\]\(bench\/README\.md\)\.$/]],
        replace: [['\n\n\n## More', '\n\n## More']],
      },
      'packages/db/README.md': {
        replace: [
          [
            '\n3. `pnpm bench`, and read `user.me on MariaDB ÷ user.me on SQLite` beside the\n   other budget lines.\n',
            '\n',
          ],
        ],
      },
      'apps/server/README.md': {
        lines: [/^\| `pnpm bench` \|/],
        replace: [
          [
            '`pnpm bench` measures the server as production runs it; its figures and lab notes are in [bench/README.md](../../bench/README.md).\n\n',
            '',
          ],
          [
            '; then `pnpm bench`\nand read the line `fast-transport ÷ stock adapter`. If the test fails and the\nfix is not small, or the median falls under 1.3, serve',
            '. If it fails and the\nfix is not small, serve',
          ],
        ],
      },
    },
  },
};

const [part, ...flags] = process.argv.slice(2);
const spec = PARTS[part];
if (!spec) {
  console.error(`usage: node scripts/remove.mjs ${Object.keys(PARTS).join('|')} [--no-install]`);
  process.exit(2);
}

const problems = [];
const edited = new Map();
const textOf = (file) => edited.get(file) ?? readFileSync(join(root, file), 'utf8');

for (const [file, edits] of Object.entries(spec.files)) {
  if (!existsSync(join(root, file))) {
    problems.push(`${file}: missing`);
    continue;
  }
  let text = textOf(file);
  for (const [start, end] of edits.blocks ?? []) {
    const lines = text.split('\n');
    const first = lines.findIndex((l) => start.test(l));
    const last = first < 0 ? -1 : lines.findIndex((l, i) => i >= first && end.test(l));
    if (last < 0) problems.push(`${file}: no block from ${start} to ${end}`);
    else text = [...lines.slice(0, first), ...lines.slice(last + 1)].join('\n');
  }
  for (const pattern of edits.lines ?? []) {
    const lines = text.split('\n');
    const kept = lines.filter((l) => !pattern.test(l));
    if (kept.length === lines.length) problems.push(`${file}: no line matches ${pattern}`);
    text = kept.join('\n');
  }
  for (const [from, to] of edits.replace ?? []) {
    const count =
      typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g')) ?? []).length;
    if (count === 1) text = text.replace(from, () => to);
    else
      problems.push(
        `${file}: ${count} occurrences (1 expected) of ${typeof from === 'string' ? JSON.stringify(from) : from}`,
      );
  }
  edited.set(file, text);
}
for (const path of spec.paths) if (!existsSync(join(root, path))) problems.push(`${path}: missing`);

if (problems.length) {
  console.error(`remove ${part}: nothing changed, these edits no longer apply:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
for (const [file, text] of edited) writeFileSync(join(root, file), text);
for (const path of spec.paths) rmSync(join(root, path), { recursive: true, force: true });
console.log(`removed ${part}: ${spec.paths.join(', ')}; edited ${[...edited.keys()].join(', ')}`);

if (!flags.includes('--no-install')) {
  // The lockfile loses the part's importers and dependencies (written even where CI=true
  // would make pnpm keep it frozen).
  const install = spawnSync('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
