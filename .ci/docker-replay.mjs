// Replays apps/server/Dockerfile without a Docker engine (none runs in CI):
//  0. checks that it runs on the Node major of the stages' base image,
//  1. copies the build context as .dockerignore filters it,
//  2. runs the RUN steps of the stages up to `build` in it (WORKDIR /repo = the
//     copy, /out = a temporary directory), exactly as written,
//  3. runs, from /out with the runtime stage's ENV against the given MySQL and
//     Redis, the commands of docker-compose.yml's `migrate` and `seed` services
//     (as `docker compose run --rm seed` would, with SEED_ADMIN_*), then the
//     stage's CMD; waits for /readyz, signs in as the seeded admin (role admin),
//     runs apps/server/README.md's backup and restore commands (a dump loaded
//     into an empty database holds the admin), runs the HEALTHCHECK command,
//     and stops the server with SIGTERM (exit 0).
// Usage: node .ci/docker-replay.mjs <mysql-url-of-a-fresh-database> <redis-url>
import { execSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolved } from './compose-config.mjs';

const [databaseUrl, redisUrl] = process.argv.slice(2);
if (!databaseUrl || !redisUrl) throw new Error('usage: docker-replay.mjs <mysql-url> <redis-url>');

const root = new URL('..', import.meta.url).pathname;
const dockerfile = readFileSync(join(root, 'apps/server/Dockerfile'), 'utf8');

/** Dockerfile instructions, with continuation lines joined and comments dropped. */
function instructions(text) {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const stages = [];
for (const ins of instructions(dockerfile)) {
  if (ins.op === 'FROM')
    stages.push({ name: ins.args.split(/\s+as\s+/i)[1] ?? '', from: ins.args.split(/\s+/)[0], steps: [] });
  else stages.at(-1)?.steps.push(ins);
}
const stage = (name) =>
  stages.find((s) => s.name === name) ??
  (() => {
    throw new Error(`no stage ${name}`);
  })();
const chain = (name) => {
  const s = stage(name);
  const parent = stages.find((p) => p.name === s.from);
  return parent ? [...chain(parent.name), s] : [s];
};

// The image's Node is the base image's major (node:<major>-slim): replaying with
// another one would prove nothing about the image.
for (const s of chain('build').concat(stage('runtime'))) {
  const major = /^node:(\d+)/.exec(s.from)?.[1];
  if (major && major !== process.versions.node.split('.')[0]) {
    throw new Error(`stage ${s.name} is FROM ${s.from}, but this replay runs on Node ${process.version}`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'docker-replay-'));
const context = join(work, 'repo');
const out = join(work, 'out');
const run = (command, cwd, env = process.env) => {
  console.log(`$ ${command}`);
  execSync(command, { cwd, env, stdio: 'inherit', shell: '/bin/bash' });
};

try {
  // 1. The build context, filtered by .dockerignore.
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => `--exclude='${l.replace(/^\*\*\//, '')}'`)
    .join(' ');
  run(`mkdir -p ${context} && tar -C ${root} ${ignore} -cf - . | tar -C ${context} -xf -`, root);

  // 2. The build: every RUN of the base and build stages.
  for (const s of chain('build')) {
    for (const step of s.steps) {
      if (step.op === 'RUN') run(step.args.replaceAll('/out', out), context, { ...process.env, CI: 'true' });
      else if (!['WORKDIR', 'COPY', 'ENV', 'ARG'].includes(step.op)) throw new Error(`cannot replay ${step.op}`);
    }
  }

  // 3. The runtime stage.
  const runtime = stage('runtime');
  const env = { PATH: process.env.PATH };
  for (const step of runtime.steps.filter((s) => s.op === 'ENV')) {
    for (const [, key, value] of step.args.matchAll(/(\w+)=(\S+)/g)) env[key] = value;
  }
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
  });
  Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    // A prefix of this run's own: a shared Redis may hold another run's (or a deployment's) counters.
    REDIS_KEY_PREFIX: `ci-replay:${process.pid}:${Date.now().toString(36)}:`,
    JWT_ACCESS_SECRET: `replay-access-${'a'.repeat(40)}`,
    JWT_REFRESH_SECRET: `replay-refresh-${'b'.repeat(40)}`,
    MFA_ENCRYPTION_KEY: Buffer.alloc(32, 'm').toString('base64url'),
  });
  const jsonArgs = (args) => JSON.parse(args.replace(/^CMD\s+/, ''));
  const cmd = jsonArgs(runtime.steps.find((s) => s.op === 'CMD').args);
  const healthcheck = runtime.steps.find((s) => s.op === 'HEALTHCHECK').args;
  const healthCmd = jsonArgs(healthcheck.slice(healthcheck.indexOf('CMD')));

  // What the compose `migrate` and `seed` services run, from the same image,
  // as compose resolves them (secrets are placeholders: only the commands are used).
  const placeholders = Object.fromEntries(
    [
      'JWT_ACCESS_SECRET',
      'JWT_REFRESH_SECRET',
      'MFA_ENCRYPTION_KEY',
      'MYSQL_PASSWORD',
      'MYSQL_ROOT_PASSWORD',
      'REDIS_PASSWORD',
    ].map((n) => [n, 'replay-placeholder']),
  );
  const composed = resolved('docker-compose.yml', { ...process.env, ...placeholders }).services;
  const admin = { SEED_ADMIN_USERNAME: 'replay-admin', SEED_ADMIN_PASSWORD: 'replay admin password' };
  const shellWords = (words) => words.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  run(shellWords(composed.migrate.command), out, env);
  run(shellWords(composed.seed.command), out, { ...env, ...admin });

  const server = spawn(cmd[0], cmd.slice(1), { cwd: out, env, stdio: 'inherit' });
  const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  let ready = false;
  for (let i = 0; i < 100 && !ready; i += 1) {
    ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) throw new Error('the replayed image never answered 200 on /readyz');
  console.log('ok  /readyz 200 from the pruned production install');
  const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: admin.SEED_ADMIN_USERNAME, password: admin.SEED_ADMIN_PASSWORD }),
  });
  const { accessToken } = await login.json();
  const me = await fetch(`http://127.0.0.1:${port}/api/users/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  }).then((r) => r.json());
  if (login.status !== 200 || me.role !== 'admin') {
    throw new Error(`the seeded admin cannot sign in as an admin: login ${login.status}, ${JSON.stringify(me)}`);
  }
  console.log('ok  the admin of the compose `seed` command signs in, role admin');

  // The backup and restore commands of apps/server/README.md, as the mysql
  // container runs them (its MYSQL_PASSWORD; `-u app`, database `app` on its
  // own server), here on the replay's server: a dump of this database loaded
  // into another one, where the admin still is.
  backupAndRestore(databaseUrl, admin.SEED_ADMIN_USERNAME);
  execSync(shellWords(healthCmd), { cwd: out, env, stdio: 'inherit' });
  console.log('ok  HEALTHCHECK command exits 0');
  server.kill('SIGTERM');
  const { code } = await exited;
  if (code !== 0) throw new Error(`server exited with ${code} after SIGTERM`);
  console.log('ok  SIGTERM: exit 0');
} finally {
  rmSync(work, { recursive: true, force: true });
}

function backupAndRestore(url, username) {
  const readme = readFileSync(join(root, 'apps/server/README.md'), 'utf8');
  const inner = [...readme.matchAll(/exec -T mysql sh -c '([^']*)'/g)].map(([, command]) => command);
  const backup = inner.find((c) => /\bmysqldump\b/.test(c));
  const restore = inner.find((c) => /exec mysql\b/.test(c));
  if (!backup || !restore)
    throw new Error('apps/server/README.md has no backup or restore command for the mysql service');
  const u = new URL(url);
  const source = u.pathname.slice(1);
  const target = `${source}_restored`;
  const connect = ['--protocol=tcp', '-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username)];
  const shims = join(work, 'mysql-container');
  mkdirSync(shims);
  // In the container, `-u app` and the database `app` are its own; here they
  // become this server's user and the database of the moment (TARGET).
  for (const tool of ['mysqldump', 'mysql']) {
    const real = execSync(`command -v ${tool}`, { shell: '/bin/bash', encoding: 'utf8' }).trim();
    writeFileSync(
      join(shims, tool),
      `#!/bin/sh
args=""
while [ $# -gt 0 ]; do
  case $1 in
    -u) shift ;;
    app) args="$args $TARGET" ;;
    *) args="$args $1" ;;
  esac
  shift
done
exec ${real} ${connect.join(' ')} $args
`,
      { mode: 0o755 },
    );
  }
  const inContainer = (database) => ({
    ...process.env,
    PATH: `${shims}:${process.env.PATH}`,
    TARGET: database,
    MYSQL_PASSWORD: decodeURIComponent(u.password),
  });
  const asServer = { ...process.env, MYSQL_PWD: decodeURIComponent(u.password) };
  const dump = join(work, 'backup.sql');
  execSync(`sh -c '${backup}' > ${dump}`, { env: inContainer(source), stdio: 'inherit' });
  execSync(`mysql ${connect.join(' ')} -e 'create database \`${target}\`'`, {
    shell: '/bin/bash',
    env: asServer,
  });
  try {
    execSync(`sh -c '${restore}' < ${dump}`, { env: inContainer(target), stdio: 'inherit' });
    const role = execSync(
      `mysql ${connect.join(' ')} -N -e "select role from \\\`${target}\\\`.users where username = '${username}'"`,
      { shell: '/bin/bash', encoding: 'utf8', env: asServer },
    ).trim();
    if (role !== 'admin') throw new Error(`after the README's backup and restore, ${username} has role "${role}"`);
    console.log("ok  the README's mysqldump backup, restored into an empty database, holds the admin");
  } finally {
    execSync(`mysql ${connect.join(' ')} -e 'drop database if exists \`${target}\`'`, {
      shell: '/bin/bash',
      env: asServer,
    });
  }
}
