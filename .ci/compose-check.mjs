// Checks the compose files as compose itself resolves them (`docker-compose
// config`), since no Docker engine runs in CI:
//  - docker-compose.yml refuses to start without each required secret and
//    password (unset or empty);
//  - it publishes no port but the proxy's: MySQL and Redis are reachable only
//    on the stack's network;
//  - Redis requires a password, which REDIS_URL carries and the healthcheck
//    uses; DATABASE_URL carries MYSQL_PASSWORD; TRUST_PROXY is the hop count 1;
//  - docker-compose.dev.yml is valid and runs the same MySQL and Redis images.
// Usage: node .ci/compose-check.mjs (with docker-compose, v1 or v2, on PATH)
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;

/** Distinct values, so that a password in the wrong place is caught too. */
const REQUIRED = {
  JWT_ACCESS_SECRET: 'ci-placeholder-access',
  JWT_REFRESH_SECRET: 'ci-placeholder-refresh',
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

function compose(file, args, env, input) {
  return spawnSync('docker-compose', ['-f', file, ...args], { cwd: root, env, encoding: 'utf8', input });
}

/** The resolved config as an object: JSON from compose v2, else compose v1's YAML read by the PyYAML it runs on. */
function resolved(file, env) {
  // v1 has no --format: it prints its usage (and exits 0).
  const json = compose(file, ['config', '--format', 'json'], env);
  if (json.status === 0 && json.stdout.trimStart().startsWith('{')) return JSON.parse(json.stdout);
  const yaml = compose(file, ['config'], env);
  if (yaml.status !== 0) throw new Error(`docker-compose -f ${file} config failed:\n${yaml.stderr}`);
  const converted = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: yaml.stdout, encoding: 'utf8' },
  );
  if (converted.status !== 0) throw new Error(`could not read the YAML of docker-compose config:\n${converted.stderr}`);
  return JSON.parse(converted.stdout);
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

if (failures.length) {
  console.error(`\ncompose check failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('compose files valid: only the proxy is published, every secret and password is required');
