// Checks the compose files as compose itself resolves them (`docker-compose
// config`), since no Docker engine runs in CI:
//  - docker-compose.yml refuses to start without each required secret and
//    password (unset or empty);
//  - it publishes no port but the proxy's: MySQL and Redis are reachable only
//    on the stack's network; an image no service builds is a tagged public
//    one, and every Dockerfile built exists;
//  - Redis requires a password, which REDIS_URL carries and the healthcheck
//    uses; DATABASE_URL carries MYSQL_PASSWORD; TRUST_PROXY is the hop count 1;
//  - docker-compose.dev.yml is valid and runs the same MySQL and Redis images;
//  - the `seed` service runs the image's seed command with SEED_ADMIN_USERNAME
//    and SEED_ADMIN_PASSWORD passed through, and only on `run` (a profile);
//  - deploy/init-env-production.sh writes five distinct secrets, once, into a
//    file compose reads with --env-file; git and the image build ignore
//    .env.production; every `docker compose` command of the READMEs' deploy
//    sections passes it, and their backup and restore commands use the
//    mysql service's user, database and password variable.
// Usage: node .ci/compose-check.mjs (with docker-compose, v1 or v2, on PATH)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compose, resolved, root } from './compose-config.mjs';

/** Distinct values, so that a password in the wrong place is caught too. */
const REQUIRED = {
  JWT_ACCESS_SECRET: 'ci-placeholder-access',
  JWT_REFRESH_SECRET: 'ci-placeholder-refresh',
  MFA_ENCRYPTION_KEY: 'ci-placeholder-mfa-key',
  MYSQL_PASSWORD: 'ci-mysql-app-password',
  MYSQL_ROOT_PASSWORD: 'ci-mysql-root-password',
  REDIS_PASSWORD: 'ci-redis-password',
};

const failures = [];
const check = (isOk, what) => {
  if (isOk) console.log(`ok  ${what}`);
  else failures.push(what);
};

/** This process's environment without the required variables, plus `extra`. */
function environment(extra) {
  const env = { ...process.env };
  for (const name of Object.keys(REQUIRED)) delete env[name];
  return { ...env, ...extra };
}

// 1. Without any one of the required variables, or with it empty, compose refuses the stack.
for (const name of Object.keys(REQUIRED)) {
  for (const [how, value] of [
    ['unset', undefined],
    ['empty', ''],
  ]) {
    const { [name]: _, ...others } = REQUIRED;
    const env = environment(value === undefined ? others : { ...others, [name]: value });
    const result = compose('docker-compose.yml', ['config', '-q'], env);
    check(
      result.status !== 0 && result.stderr.includes(name),
      `docker-compose.yml refuses to start with ${name} ${how}`,
    );
  }
}

// 2. The resolved stack.
const stack = resolved('docker-compose.yml', environment(REQUIRED));
const services = stack.services ?? {};
for (const [name, service] of Object.entries(services)) {
  if (name === 'proxy') continue;
  check(!service.ports?.length, `${name} publishes no port`);
  check(service.network_mode !== 'host', `${name} is not on the host's network`);
}
check(services.proxy?.ports?.length === 1, 'the proxy publishes its one port');
// An image no service builds is pulled: it must be a tagged public one, not
// a name of ours left behind after its build was removed (it pulls nothing).
const built = new Set(
  Object.values(services)
    .filter((s) => s.build)
    .map((s) => s.image),
);
for (const [name, service] of Object.entries(services)) {
  check(
    built.has(service.image) || /^[\w./-]+:[\w.-]+$/.test(service.image ?? ''),
    `${name}: its image (${service.image}) is built by the stack or a tagged public image`,
  );
  const dockerfile = service.build && join(service.build.context ?? '.', service.build.dockerfile ?? 'Dockerfile');
  if (dockerfile)
    check(
      existsSync(dockerfile.startsWith('/') ? dockerfile : join(root, dockerfile)),
      `${name}: builds from ${dockerfile}, which exists`,
    );
}

// (An array of words: a command written as one string would fail here.)
const redisCommand = [services.redis?.command ?? []].flat();
const requirepass = redisCommand.indexOf('--requirepass');
check(
  redisCommand[0] === 'redis-server' && requirepass > 0 && redisCommand[requirepass + 1] === REQUIRED.REDIS_PASSWORD,
  'redis-server runs with --requirepass REDIS_PASSWORD',
);
const redisHealth = [services.redis?.healthcheck?.test ?? []].flat().join(' ');
check(
  services.redis?.environment?.REDISCLI_AUTH === REQUIRED.REDIS_PASSWORD &&
    /redis-cli ping \| grep -q PONG/.test(redisHealth),
  "Redis's healthcheck authenticates (REDISCLI_AUTH) and wants PONG, not NOAUTH",
);
check(
  services.mysql?.environment?.MYSQL_PASSWORD === REQUIRED.MYSQL_PASSWORD &&
    services.mysql?.environment?.MYSQL_ROOT_PASSWORD === REQUIRED.MYSQL_ROOT_PASSWORD,
  'MySQL takes MYSQL_PASSWORD and MYSQL_ROOT_PASSWORD',
);

const serverImageServices = Object.entries(services).filter(([, s]) => s.environment?.DATABASE_URL);
check(serverImageServices.length >= 2, 'migrate and server are configured with DATABASE_URL');
for (const [name, service] of serverImageServices) {
  const redisUrl = new URL(service.environment.REDIS_URL ?? 'invalid:');
  check(
    redisUrl.protocol === 'redis:' &&
      redisUrl.hostname === 'redis' &&
      decodeURIComponent(redisUrl.password) === REQUIRED.REDIS_PASSWORD,
    `${name}: REDIS_URL carries REDIS_PASSWORD`,
  );
  const databaseUrl = new URL(service.environment.DATABASE_URL);
  check(
    databaseUrl.hostname === 'mysql' && decodeURIComponent(databaseUrl.password) === REQUIRED.MYSQL_PASSWORD,
    `${name}: DATABASE_URL carries MYSQL_PASSWORD`,
  );
  check(String(service.environment.TRUST_PROXY) === '1', `${name}: TRUST_PROXY is 1 (nginx, the one proxy)`);
}

// 3. The development file: valid without any variable, and the same images.
const dev = resolved('docker-compose.dev.yml', environment({})).services ?? {};
for (const name of ['mysql', 'redis']) {
  check(dev[name]?.image === services[name]?.image, `${name}: the same image in both files (${dev[name]?.image})`);
}

// 4. The first admin: `docker compose run --rm seed`, from the server's image.
const SEED = { SEED_ADMIN_USERNAME: 'ci-admin', SEED_ADMIN_PASSWORD: 'ci seed admin password' };
const seeding = resolved('docker-compose.yml', environment({ ...REQUIRED, ...SEED })).services ?? {};
const seed = seeding.seed;
check(
  JSON.stringify(seed?.command) === JSON.stringify(['node', 'dist/commands/seed.js']),
  'seed runs ["node", "dist/commands/seed.js"] (the command docker-replay runs)',
);
check(
  seed?.image === services.server?.image && seed?.image === services.migrate?.image,
  `seed runs the server's image (${seed?.image})`,
);
check(
  seed?.environment?.SEED_ADMIN_USERNAME === SEED.SEED_ADMIN_USERNAME &&
    seed?.environment?.SEED_ADMIN_PASSWORD === SEED.SEED_ADMIN_PASSWORD,
  'seed receives SEED_ADMIN_USERNAME and SEED_ADMIN_PASSWORD',
);
check(
  seed?.environment?.DATABASE_URL === seeding.server?.environment?.DATABASE_URL &&
    seed?.environment?.NODE_ENV === 'production',
  "seed writes to the server's database, in production mode (no demo users)",
);
check(seed?.depends_on?.migrate?.condition === 'service_completed_successfully', 'seed waits for the migration');
check(seed?.profiles?.length > 0, '`up` never starts seed (a profile: `run --rm seed` only)');

// 5. .env.production: written once by deploy/init-env-production.sh, read by compose with --env-file.
const scratch = mkdtempSync(join(tmpdir(), 'env-production-'));
try {
  const envFile = join(scratch, '.env.production');
  const init = () => spawnSync('sh', ['deploy/init-env-production.sh', envFile], { cwd: root, encoding: 'utf8' });
  const first = init();
  const written = first.status === 0 ? readFileSync(envFile, 'utf8') : '';
  const values = Object.fromEntries([...written.matchAll(/^(\w+)=(.*)$/gm)].map(([, k, v]) => [k, v]));
  const secrets = Object.keys(REQUIRED)
    .filter((name) => name !== 'MFA_ENCRYPTION_KEY')
    .map((name) => values[name] ?? '');
  check(
    secrets.every((v) => /^[\w-]{64}$/.test(v)) && new Set(secrets).size === secrets.length,
    `init-env-production.sh writes the five secrets, distinct, 64 base64url characters each (${Object.keys(values).join(', ')})`,
  );
  check(
    Buffer.from(values.MFA_ENCRYPTION_KEY ?? '', 'base64url').length === 32 &&
      /^[\w-]{43}$/.test(values.MFA_ENCRYPTION_KEY ?? ''),
    'init-env-production.sh writes MFA_ENCRYPTION_KEY: 32 random bytes as base64url',
  );
  check(first.status === 0 && (statSync(envFile).mode & 0o077) === 0, 'the file is readable by its owner only');
  const again = init();
  check(
    again.status === 0 && readFileSync(envFile, 'utf8') === written && /exists/.test(again.stderr),
    'a second run leaves the existing file as it is',
  );
  const fromFile = resolved('docker-compose.yml', environment({}), ['--env-file', envFile]).services ?? {};
  check(
    fromFile.mysql?.environment?.MYSQL_ROOT_PASSWORD === values.MYSQL_ROOT_PASSWORD &&
      decodeURIComponent(new URL(fromFile.server?.environment?.DATABASE_URL).password) === values.MYSQL_PASSWORD &&
      decodeURIComponent(new URL(fromFile.server?.environment?.REDIS_URL).password) === values.REDIS_PASSWORD &&
      fromFile.server?.environment?.JWT_ACCESS_SECRET === values.JWT_ACCESS_SECRET &&
      fromFile.server?.environment?.JWT_REFRESH_SECRET === values.JWT_REFRESH_SECRET &&
      fromFile.server?.environment?.MFA_ENCRYPTION_KEY === values.MFA_ENCRYPTION_KEY,
    'docker-compose --env-file .env.production resolves every secret from the file',
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const ignores = (file) => readFileSync(join(root, file), 'utf8').split('\n').includes('.env.production');
check(ignores('.gitignore') && ignores('.dockerignore'), '.env.production is git-ignored and kept out of image builds');
// The deploy commands as documented: each reads the secrets' file.
for (const doc of ['README.md', 'apps/server/README.md']) {
  const commands = readFileSync(join(root, doc), 'utf8')
    .split('\n')
    .filter((line) => /\bdocker compose (?!-f docker-compose\.dev\.yml)/.test(line));
  const bare = commands.filter((line) => !line.includes('docker compose --env-file .env.production '));
  check(
    commands.length > 0 && bare.length === 0,
    `${doc}: every docker compose command of the stack passes --env-file .env.production${bare.length ? ` (not: ${bare.join(' | ')})` : ''}`,
  );
}

// 6. Backup and restore as documented (apps/server/README.md): run inside the
// mysql service, with a user, password variable and database it has.
const mysqlEnv = services.mysql?.environment ?? {};
const inMysql = [
  ...readFileSync(join(root, 'apps/server/README.md'), 'utf8').matchAll(/exec -T mysql sh -c '([^']*)'/g),
].map(([, inner]) => inner);
check(
  inMysql.some((c) => /\bmysqldump\b/.test(c)) && inMysql.some((c) => /exec mysql\b/.test(c)),
  'apps/server/README.md documents a mysqldump backup and a restore through the mysql service',
);
for (const inner of inMysql) {
  const variables = [...inner.matchAll(/\$(\w+)/g)].map(([, name]) => name);
  const user = /-u (\S+)/.exec(inner)?.[1];
  const database = inner.trim().split(/\s+/).at(-1);
  check(
    variables.every((name) => mysqlEnv[name] !== undefined) &&
      user === mysqlEnv.MYSQL_USER &&
      database === mysqlEnv.MYSQL_DATABASE,
    `backup/restore: ${inner} (user ${user}, database ${database}, ${variables.join(', ')}) matches the mysql service`,
  );
}

if (failures.length) {
  console.error(`\ncompose check failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('compose files valid: only the proxy is published, every secret and password is required');
