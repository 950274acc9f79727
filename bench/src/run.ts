/**
 * `pnpm bench`: the built server as in production (NODE_ENV=production, the
 * embedded SQLite), the same server with tRPC's stock Express adapter in place
 * of the fast transport (TRANSPORT=stock), the same server on MySQL/MariaDB,
 * and a bare Express app, each in its own process, loaded side by side in one
 * run with autocannon. Prints a table and the ratios, and writes
 * bench/results/<time>.json.
 *
 * Environment: BENCH_DATABASE_URL (mysql://… of a server where the bench
 * creates, and at the end drops, a database of its own; default
 * TEST_DATABASE_URL, else mysql://root@127.0.0.1:3306/test), BENCH_DURATION (s, 10),
 * BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (50), BENCH_BCRYPT_COST (12), BENCH_ROUNDS
 * (3: rounds of pairs, user.me by the fast transport beside user.me by tRPC's stock adapter, on
 * MySQL, by REST, and the bare app; each ratio is the median of its pairs), BENCH_OVERHEAD_ROUNDS
 * (40), BENCH_OVERHEAD_WINDOW (s, 1) and BENCH_OVERHEAD_WARMUP (s, 6, each side once): the
 * overhead lines (with metrics, traced every request, traced as deploy/k8s samples, and a twin
 * as the control, each beside a plain server of the same history), each the median of that many
 * rounds of short windows, every round one window on each of the five processes, the ratio the
 * other's ÷ the plain server's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { THROTTLE_BUDGETS } from '@repo/api';
import { createOrm } from '@repo/db';
import autocannon from 'autocannon';
import bcrypt from 'bcrypt';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVER_DIR = join(ROOT, 'apps/server');
const env = process.env;
const DURATION = Number(env.BENCH_DURATION ?? 10);
const WARMUP = Number(env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
const BCRYPT_COST = Number(env.BENCH_BCRYPT_COST ?? 12);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const NOISE_LIMIT = 0.15;
const OVERHEAD_ROUNDS = Number(env.BENCH_OVERHEAD_ROUNDS ?? 40);
const OVERHEAD_WINDOW = Number(env.BENCH_OVERHEAD_WINDOW ?? 1);
const OVERHEAD_WARMUP = Number(env.BENCH_OVERHEAD_WARMUP ?? 6);
/** How far from 1 the control (a twin of the plain server ÷ it) may read before the overhead lines are flagged as noise. */
const CONTROL_LIMIT = 0.05;

interface Row {
  name: string;
  /**
   * `stock`: the same server with tRPC's stock Express adapter (TRANSPORT=stock); `mysql`: the server on
   * MySQL; `metrics`: with METRICS_PORT; `tracing`: with OTEL_EXPORTER_OTLP_ENDPOINT (to a receiver here),
   * every request sampled; `sampled`: the same with the sampler deploy/k8s sets; `plain`: the server
   * again, the overhead lines' baseline, serving only what they serve; `twin`: another process of it,
   * their control.
   */
  target: 'bare' | 'server' | 'stock' | 'mysql' | 'plain' | 'metrics' | 'tracing' | 'sampled' | 'twin';
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  requests: number;
  /** The loaded process's own CPU time per completed request: other load on the machine barely moves it. */
  cpuUsPerRequest: number | null;
  peakRssMb: number | null;
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 150; i += 1) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never answered 200`);
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** Peak resident memory since the last reset (Linux: VmHWM, reset through clear_refs). */
function peakRssMb(pid: number | undefined): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** Microseconds in a clock tick of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICK_US = 10_000;

/** CPU time (clock ticks) a process has used, from /proc (Linux); null elsewhere. */
function cpuTicks(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * Waits until a process stops using CPU: a bcrypt scenario leaves requests
 * queued in the server after the load generator stops, and they would slow
 * whatever is measured next.
 */
async function waitUntilIdle(pid: number | undefined): Promise<void> {
  let last = cpuTicks(pid);
  for (let i = 0; i < 240 && last !== null; i += 1) {
    await new Promise((r) => setTimeout(r, 250));
    const now: number = cpuTicks(pid) ?? last;
    if (now - last <= 2) return;
    last = now;
  }
}

function resetPeakRss(pid: number | undefined): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the peak then covers the whole run so far.
  }
}

/** The server and the bare app: each scenario starts only once both are idle. */
const children: ChildProcess[] = [];
const allIdle = () => Promise.all(children.map((p) => waitUntilIdle(p.pid)));

async function load(
  name: string,
  target: Row['target'],
  child: ChildProcess,
  options: autocannon.Options,
): Promise<Row> {
  await allIdle();
  await autocannon({ ...options, connections: CONNECTIONS, duration: WARMUP, timeout: 60 });
  await allIdle();
  resetPeakRss(child.pid);
  const ticksBefore = cpuTicks(child.pid);
  // A generous timeout: at bcrypt cost 12, 50 queued logins wait seconds, which is a latency, not an error.
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: DURATION, timeout: 60 });
  const window = windowOf(result, ticksBefore, cpuTicks(child.pid));
  const row: Row = {
    name,
    target,
    requestsPerSecond: roundRate(window.rate),
    p50Ms: window.p50Ms,
    p99Ms: window.p99Ms,
    errors: window.errors,
    requests: window.requests,
    cpuUsPerRequest: window.cpuUsPerRequest === null ? null : Math.round(window.cpuUsPerRequest),
    peakRssMb: peakRssMb(child.pid),
  };
  return printed(row);
}

/** Prints a row as it is measured, and returns it. */
function printed(row: Row): Row {
  console.log(
    `  ${row.name.padEnd(34)} ${String(row.requestsPerSecond).padStart(7)} req/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  errors ${row.errors}  CPU ${row.cpuUsPerRequest ?? 'n/a'} µs/req`,
  );
  return row;
}

/** One window of load: what the server did in it. */
interface Window {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  requests: number;
  cpuUsPerRequest: number | null;
}

/** What autocannon measured, and the server's CPU time (clock ticks) before and after. */
function windowOf(result: autocannon.Result, ticksBefore: number | null, ticksAfter: number | null): Window {
  return {
    // Completed requests over the measured time: the per-second average autocannon
    // reports is of whole counts, too coarse for the few logins a second bcrypt allows.
    rate: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
    cpuUsPerRequest:
      ticksBefore === null || ticksAfter === null || result.requests.total === 0
        ? null
        : ((ticksAfter - ticksBefore) * TICK_US) / result.requests.total,
  };
}

/**
 * A window of OVERHEAD_WINDOW seconds on one server, once every process of
 * the overhead lines is idle (a traced server goes on exporting after its
 * window, which would slow the next one).
 */
async function shortWindow(child: ChildProcess, all: ChildProcess[], options: autocannon.Options): Promise<Window> {
  await Promise.all(all.map((other) => waitUntilIdle(other.pid)));
  const ticksBefore = cpuTicks(child.pid);
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: OVERHEAD_WINDOW, timeout: 60 });
  return windowOf(result, ticksBefore, cpuTicks(child.pid));
}

/** The windows of one side as a row of the table: medians, and the sums of requests and errors. */
function windowsRow(name: string, target: Row['target'], child: ChildProcess, windows: Window[]): Row {
  const cpu = windows.map((w) => w.cpuUsPerRequest);
  const row: Row = {
    name: `${name} (median of ${windows.length} windows of ${OVERHEAD_WINDOW} s)`,
    target,
    requestsPerSecond: roundRate(median(windows.map((w) => w.rate))),
    p50Ms: median(windows.map((w) => w.p50Ms)),
    p99Ms: median(windows.map((w) => w.p99Ms)),
    errors: windows.reduce((sum, w) => sum + w.errors, 0),
    requests: windows.reduce((sum, w) => sum + w.requests, 0),
    cpuUsPerRequest: cpu.every((v) => v !== null) ? Math.round(median(cpu as number[])) : null,
    peakRssMb: peakRssMb(child.pid),
  };
  return printed(row);
}

/** The middle half of some values (from the first quartile to the third), as text. */
function middleHalf(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => (sorted[Math.floor((sorted.length - 1) * share)] as number).toFixed(2);
  return `${at(0.25)}-${at(0.75)}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** How far apart two measurements of the same thing are, as a share of the larger. */
function spreadOf(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(a, b);
}

/** Whole requests a second from 100 up, one decimal below (a bcrypt-bound scenario does a handful). */
function roundRate(perSecond: number): number {
  return perSecond >= 100 ? Math.round(perSecond) : Math.round(perSecond * 10) / 10;
}

/** bcrypt.compare calls per second in this process, as many at once as libuv has threads. */
async function bcryptCeiling(cost: number, seconds: number): Promise<number> {
  const hash = await bcrypt.hash('correct horse battery', cost);
  const threads = Number(env.UV_THREADPOOL_SIZE ?? 4);
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: threads }, async () => {
      while (Date.now() < deadline) {
        await bcrypt.compare('correct horse battery', hash);
        done += 1;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

interface BenchDatabase {
  url: string;
  label: string;
  dispose: () => Promise<void>;
}

function sqliteDatabase(): BenchDatabase {
  const file = join(tmpdir(), `bench-${Date.now()}.sqlite`);
  return {
    url: `sqlite:${file}`,
    label: 'embedded SQLite',
    dispose: async () => {
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
    },
  };
}

/** A fresh database on the MySQL/MariaDB server, dropped at the end; its label names the server's version. */
async function mysqlDatabase(): Promise<BenchDatabase & { product: string }> {
  const serverUrl = env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';
  const name = `bench_${Date.now()}`;
  const admin = await createOrm({ url: serverUrl, rootDir: tmpdir(), poolMax: 1, quiet: true });
  const [row] = await admin.em.getConnection().execute<{ version: string }[]>('select version() as version');
  await admin.em.getConnection().execute(`create database \`${name}\``);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const version = row?.version ?? 'unknown';
  const product = /mariadb/i.test(version) ? 'MariaDB' : 'MySQL';
  return {
    url: url.toString(),
    product,
    label: `${product} ${version} at ${url.host} (fresh database ${name})`,
    dispose: async () => {
      await admin.em.getConnection().execute(`drop database if exists \`${name}\``);
      await admin.close(true);
    },
  };
}

/**
 * The server's production start command, its `start` script (which the
 * Dockerfile's CMD repeats; a test keeps the two equal): the benchmark runs
 * the server with the same Node flags as production does.
 */
function productionStartCommand(): string[] {
  const manifest = JSON.parse(readFileSync(join(SERVER_DIR, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = manifest.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`apps/server's start script should run node: ${manifest.scripts.start}`);
  return words;
}

/**
 * The sampler the Kubernetes manifests ship (deploy/k8s/configmap.yaml), read
 * from there: the traced server is measured once sampling every request and
 * once as it would run in that deployment.
 */
function deployedSampler(): NodeJS.ProcessEnv {
  const configMap = readFileSync(join(ROOT, 'deploy/k8s/configmap.yaml'), 'utf8');
  const sampler: NodeJS.ProcessEnv = {};
  for (const [, name, value] of configMap.matchAll(/^ {2}(OTEL_TRACES_SAMPLER(?:_ARG)?): "?([^"\n]+?)"?$/gm)) {
    if (name && value) sampler[name] = value;
  }
  if (!sampler.OTEL_TRACES_SAMPLER) throw new Error('deploy/k8s/configmap.yaml sets no OTEL_TRACES_SAMPLER');
  return sampler;
}

/** Set once the run is over: a child exiting before that is reported, so a row of errors is not read as a figure. */
let isStopping = false;

function watch(name: string, child: ChildProcess): ChildProcess {
  child.once('exit', (code, signal) => {
    if (!isStopping)
      console.error(`WARNING: ${name} (pid ${child.pid}) exited during the run: code ${code}, signal ${signal}`);
  });
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  isStopping = true;
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  if (!existsSync(join(SERVER_DIR, 'dist/main.js'))) {
    throw new Error('apps/server/dist is missing: run `pnpm bench` from the root (it builds first)');
  }
  const database = sqliteDatabase();
  const mysql = await mysqlDatabase();
  const serverPort = await freePort();
  const barePort = await freePort();
  const stockPort = await freePort();
  const mysqlPort = await freePort();
  const [plainPort, metricsPort, scrapePort, tracingPort, sampledPort, twinPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const sampler = deployedSampler();
  const serverEnv: NodeJS.ProcessEnv = {
    PATH: env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(serverPort),
    DATABASE_URL: database.url,
    JWT_ACCESS_SECRET: randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: randomBytes(32).toString('hex'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    BCRYPT_COST: String(BCRYPT_COST),
    // The bench loads one user and one address with every request: it measures
    // the work of each request, not the throttle, whose budgets would answer 429.
    // Every budget of the policy table, so that one added later is lifted too.
    ...Object.fromEntries(THROTTLE_BUDGETS.map((entry) => [entry.env, '1000000'])),
    ...(env.LOG_LEVEL ? { LOG_LEVEL: env.LOG_LEVEL } : {}),
  };
  const mysqlEnv: NodeJS.ProcessEnv = { ...serverEnv, PORT: String(mysqlPort), DATABASE_URL: mysql.url };
  // Where the traced server exports its spans: a receiver that takes them and answers, nothing more.
  const otlpReceiver = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((listening) => otlpReceiver.listen(0, '127.0.0.1', listening));
  const otlpPort = (otlpReceiver.address() as { port: number }).port;
  try {
    await run('node', ['dist/commands/migrate.js'], { cwd: SERVER_DIR, env: serverEnv });
    await run('node', ['dist/commands/migrate.js'], { cwd: SERVER_DIR, env: mysqlEnv });
    const [command = 'node', ...args] = productionStartCommand();
    console.log(
      `Server: ${[command, ...args].join(' ')} (the start script of @repo/server, as the Docker image runs it)`,
    );
    const server = spawn(command, args, {
      cwd: SERVER_DIR,
      env: serverEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // The same build and start command with tRPC's stock adapter: what the fast transport is measured against.
    const stock = spawn(command, args, {
      cwd: SERVER_DIR,
      env: { ...serverEnv, PORT: String(stockPort), TRANSPORT: 'stock' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // The same build and start command on MySQL: the `user.me` line of each dialect, side by side.
    const onMysql = spawn(command, args, { cwd: SERVER_DIR, env: mysqlEnv, stdio: ['ignore', 'ignore', 'inherit'] });
    // The same again with metrics on, and with tracing on: what each costs `user.me`, side by side.
    const withMetrics = spawn(command, args, {
      cwd: SERVER_DIR,
      env: { ...serverEnv, PORT: String(metricsPort), METRICS_PORT: String(scrapePort) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const withTracing = spawn(command, args, {
      cwd: SERVER_DIR,
      env: { ...serverEnv, PORT: String(tracingPort), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}` },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const withSampledTracing = spawn(command, args, {
      cwd: SERVER_DIR,
      env: {
        ...serverEnv,
        PORT: String(sampledPort),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
        ...sampler,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // The baseline of the overhead lines: the server again, in a process that, like the others of those
    // lines, only ever serves user.me. The server itself registers the bench's users (bcrypt, inserts)
    // first, and a process's history moves its speed by several percent (bench/README.md).
    const plain = spawn(command, args, {
      cwd: SERVER_DIR,
      env: { ...serverEnv, PORT: String(plainPort) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // The control of the overhead lines: the plain server again, in a process of its own, measured as they are.
    const twin = spawn(command, args, {
      cwd: SERVER_DIR,
      env: { ...serverEnv, PORT: String(twinPort) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const bare = spawn('node', [join(import.meta.dirname, 'bare-server.mjs')], {
      env: { PATH: env.PATH, NODE_ENV: 'production', PORT: String(barePort) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(
      watch('the server', server),
      watch('the stock-adapter server', stock),
      watch('the MySQL server', onMysql),
      watch('the server with metrics', withMetrics),
      watch('the server with tracing', withTracing),
      watch('the server with sampled tracing', withSampledTracing),
      watch('the plain server of the overhead lines', plain),
      watch('the twin of the plain server', twin),
      watch('the bare app', bare),
    );
    const api = `http://127.0.0.1:${serverPort}`;
    const stockApi = `http://127.0.0.1:${stockPort}`;
    const mysqlApi = `http://127.0.0.1:${mysqlPort}`;
    const metricsApi = `http://127.0.0.1:${metricsPort}`;
    const tracingApi = `http://127.0.0.1:${tracingPort}`;
    const sampledApi = `http://127.0.0.1:${sampledPort}`;
    const plainApi = `http://127.0.0.1:${plainPort}`;
    const twinApi = `http://127.0.0.1:${twinPort}`;
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    await Promise.all([
      waitFor(`${api}/readyz`),
      waitFor(`${stockApi}/readyz`),
      waitFor(`${mysqlApi}/readyz`),
      waitFor(`${metricsApi}/readyz`),
      waitFor(`${tracingApi}/readyz`),
      waitFor(`${sampledApi}/readyz`),
      waitFor(`${plainApi}/readyz`),
      waitFor(`${twinApi}/readyz`),
      waitFor(bareUrl),
    ]);

    const credentials = { username: `bench_${Date.now()}`, password: 'bench password 123' };
    const signUp = await fetch(`${api}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    const { accessToken } = (await signUp.json()) as { accessToken: string };
    for (let i = 0; i < 30; i += 1) {
      await fetch(`${api}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `bench_list_${Date.now()}_${i}`, password: 'bench password 123' }),
      });
    }
    const bearer = { authorization: `Bearer ${accessToken}` };
    const mysqlSignUp = await fetch(`${mysqlApi}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    const mysqlBearer = {
      authorization: `Bearer ${((await mysqlSignUp.json()) as { accessToken: string }).accessToken}`,
    };

    console.log(
      `\nDatabases: ${database.label}; ${mysql.label}\nLoad: ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s each; bcrypt cost ${BCRYPT_COST}; ${cpus().length} CPUs; Node ${process.version} (the ratios depend on it: see bench/README.md)\n`,
    );
    /** Raw bcrypt.compare calls per second in this process for half the scenario time, everything else idle. */
    const measureBcryptCeiling = async (when: string): Promise<number> => {
      await allIdle();
      const perSecond = await bcryptCeiling(BCRYPT_COST, DURATION / 2);
      console.log(`  raw bcrypt.compare ceiling, ${when} login ${perSecond.toFixed(1).padStart(11)} /s (in-process)`);
      return perSecond;
    };
    const rows: Row[] = [];
    const firstBaseline = await load('bare Express GET / (baseline)', 'bare', bare, { url: bareUrl });
    rows.push(firstBaseline);
    // Each ratio is measured in pairs: user.me by the fast transport on the SQLite server,
    // and right beside it (before it or after it, in turns) the other side: tRPC's stock
    // adapter, MySQL, REST, the bare app. The machine's speed drifts
    // by several percent within a minute; two windows side by side drift alike.
    const samplerLabel = [sampler.OTEL_TRACES_SAMPLER, sampler.OTEL_TRACES_SAMPLER_ARG].filter(Boolean).join(' ');
    interface Side {
      label: string;
      target: Row['target'];
      child: ChildProcess;
      url: string;
      headers: Record<string, string>;
    }
    /** A side that loads `user.me` by tRPC on the server at `origin`. */
    const userMeOn = (label: string, target: Row['target'], child: ChildProcess, origin: string, headers = bearer) =>
      ({ label, target, child, url: `${origin}/trpc/user.me`, headers }) satisfies Side;
    const sides = {
      stock: userMeOn('tRPC user.me (stock adapter)', 'stock', stock, stockApi),
      mysql: userMeOn(`tRPC user.me on ${mysql.product}`, 'mysql', onMysql, mysqlApi, mysqlBearer),
      rest: {
        label: 'REST GET /api/users/me',
        target: 'server',
        child: server,
        url: `${api}/api/users/me`,
        headers: bearer,
      },
      bare: { label: 'bare Express GET /', target: 'bare', child: bare, url: bareUrl, headers: {} },
    } as const satisfies Record<string, Side>;
    const fastSide: Side = userMeOn('tRPC user.me (fast-transport)', 'server', server, api);
    // The overhead lines: differences of a few percent, less than this machine's speed drifts
    // within a minute, and less than one window of 10 s against another 13 s later tells apart.
    // Each is the median of many rounds of short windows, one on each process a round, beside a
    // plain server with the same history as theirs, and a twin of it is measured in the same way:
    // the control, which should read 1.
    const plainSide: Side = userMeOn("tRPC user.me, plain (the overhead lines' baseline)", 'plain', plain, plainApi);
    const overheadSides = {
      twin: userMeOn('tRPC user.me on a twin of the plain server', 'twin', twin, twinApi),
      // The same token works on every SQLite server: they share the keys and the database.
      metrics: userMeOn('tRPC user.me with metrics', 'metrics', withMetrics, metricsApi),
      tracing: userMeOn('tRPC user.me with tracing', 'tracing', withTracing, tracingApi),
      sampled: userMeOn(`tRPC user.me with tracing, ${samplerLabel}`, 'sampled', withSampledTracing, sampledApi),
    } as const satisfies Record<string, Side>;
    type Overhead = keyof typeof overheadSides;
    console.log(
      `  overhead lines: ${OVERHEAD_ROUNDS} rounds of a ${OVERHEAD_WINDOW} s window on each process, after ${OVERHEAD_WARMUP} s of warm-up each`,
    );
    const overheadAll: Side[] = [plainSide, ...Object.values(overheadSides)];
    for (const side of overheadAll) {
      await allIdle();
      await autocannon({
        url: side.url,
        headers: side.headers,
        connections: CONNECTIONS,
        duration: OVERHEAD_WARMUP,
        timeout: 60,
      });
    }
    for (const side of overheadAll) resetPeakRss(side.child.pid);
    // Every round loads each of the five processes once, in an order that turns by one each round.
    // Equally often matters: a process loaded more often than another reads several percent faster
    // (see bench/README.md), which a pair of the plain server against each other in turn would measure.
    const overheadChildren = overheadAll.map((side) => side.child);
    const plainWindows: Window[] = [];
    const windows = Object.fromEntries(Object.keys(overheadSides).map((name) => [name, [] as Window[]])) as Record<
      Overhead,
      Window[]
    >;
    /** Each process of the overhead lines with the list its windows go to. */
    const lanes = [
      { side: plainSide, windows: plainWindows },
      ...(Object.entries(overheadSides) as [Overhead, Side][]).map(([name, side]) => ({
        side,
        windows: windows[name],
      })),
    ];
    for (let round = 0; round < OVERHEAD_ROUNDS; round += 1) {
      for (let turn = 0; turn < lanes.length; turn += 1) {
        const { side, windows: into } = lanes[(round + turn) % lanes.length] as (typeof lanes)[number];
        into.push(await shortWindow(side.child, overheadChildren, { url: side.url, headers: side.headers }));
      }
    }
    rows.push(windowsRow(plainSide.label, plainSide.target, plain, plainWindows));
    for (const [name, side] of Object.entries(overheadSides) as [Overhead, Side][]) {
      rows.push(windowsRow(side.label, side.target, side.child, windows[name]));
    }
    /** Per round: the other side's requests a second ÷ the plain server's in the same round; and the plain server's CPU a request ÷ the other's. */
    const overhead = (name: Overhead) => windows[name].map((w, i) => w.rate / (plainWindows[i] as Window).rate);
    const overheadByCpu = (name: Overhead) =>
      windows[name].map(
        (w, i) => ((plainWindows[i] as Window).cpuUsPerRequest ?? Number.NaN) / (w.cpuUsPerRequest ?? Number.NaN),
      );
    type Other = keyof typeof sides;
    const measure = (side: Side, round: number) =>
      load(`${side.label} #${round}`, side.target, side.child, { url: side.url, headers: side.headers });
    /** Per round, per other side: the fast transport's window and the other's, side by side. */
    const rounds: Record<Other, { fast: Row; other: Row }>[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const pairs = {} as Record<Other, { fast: Row; other: Row }>;
      for (const [index, name] of (Object.keys(sides) as Other[]).entries()) {
        const fast: Side = { ...fastSide, label: `${fastSide.label}, beside ${name}` };
        const fastFirst = (round + index) % 2 === 1;
        const [first, second] = fastFirst ? [fast, sides[name]] : [sides[name], fast];
        const firstRow = await measure(first, round);
        const secondRow = await measure(second, round);
        rows.push(firstRow, secondRow);
        pairs[name] = fastFirst ? { fast: firstRow, other: secondRow } : { fast: secondRow, other: firstRow };
      }
      rounds.push(pairs);
    }
    rows.push(
      await load('tRPC user.list limit=20', 'server', server, {
        url: `${api}/trpc/user.list?input=${encodeURIComponent(JSON.stringify({ limit: 20 }))}`,
        headers: bearer,
      }),
    );
    // The ceiling brackets the login scenario, in the same minute: the machine's speed drifts
    // over a run (see the baseline check), and bcrypt is pure CPU, so it drifts with it.
    const ceilingBefore = await measureBcryptCeiling('before');
    rows.push(
      await load(`tRPC auth.login (bcrypt cost ${BCRYPT_COST})`, 'server', server, {
        url: `${api}/trpc/auth.login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(credentials),
      }),
    );
    const ceilingAfter = await measureBcryptCeiling('after');
    const ceiling = (ceilingBefore + ceilingAfter) / 2;
    let registered = 0;
    rows.push(
      await load('REST register, distinct names', 'server', server, {
        url: api,
        requests: [
          {
            method: 'POST',
            path: '/api/auth/register',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => {
              registered += 1;
              return {
                ...request,
                body: JSON.stringify({ username: `r${process.pid}_${registered}`, password: 'bench password 123' }),
              };
            },
          },
        ],
      }),
    );
    const lastBaseline = await load('bare Express GET / (baseline, again)', 'bare', bare, { url: bareUrl });
    rows.push(lastBaseline);

    const by = (name: string) => rows.find((r) => r.name.startsWith(name)) as Row;
    // The machine's drift over the whole run: the bare app first and last (the pairs have their own).
    const noise = spreadOf(firstBaseline.requestsPerSecond, lastBaseline.requestsPerSecond);
    const ceilingNoise = spreadOf(ceilingBefore, ceilingAfter);
    const login = by('tRPC auth.login');
    const rate = (row: Row) => row.requestsPerSecond;
    const fastRows = rounds.flatMap((r) => Object.values(r).map((pair) => pair.fast));
    const trpcMeP99 = Math.max(...fastRows.map((row) => row.p99Ms));
    /** Per round: the other side ÷ the fast transport beside it, and the other way round. */
    const overFast = (name: Other) => rounds.map((r) => rate(r[name].other) / rate(r[name].fast));
    const fastOver = (name: Other) => rounds.map((r) => rate(r[name].fast) / rate(r[name].other));
    const perRound = {
      fastOverStockAdapter: fastOver('stock'),
      // The same comparison by the server's own CPU per request, which the machine's other load barely moves.
      stockCpuOverFastCpu: rounds.map(
        (r) => (r.stock.other.cpuUsPerRequest ?? Number.NaN) / (r.stock.fast.cpuUsPerRequest ?? Number.NaN),
      ),
      restOverTrpc: overFast('rest'),
      mysqlOverSqlite: overFast('mysql'),
      metricsOverPlain: overhead('metrics'),
      tracingOverPlain: overhead('tracing'),
      sampledTracingOverPlain: overhead('sampled'),
      twinOverPlain: overhead('twin'),
      // The same by the servers' own CPU a request: the plain server's ÷ the other's.
      metricsByCpu: overheadByCpu('metrics'),
      tracingByCpu: overheadByCpu('tracing'),
      sampledTracingByCpu: overheadByCpu('sampled'),
      twinByCpu: overheadByCpu('twin'),
      fastOverBare: fastOver('bare'),
    };
    const serverPeak = Math.max(
      ...rows.filter((r) => r.target === 'server' || r.target === 'mysql').map((r) => r.peakRssMb ?? 0),
    );
    const ratios = {
      trpcMeOverBareExpress: median(perRound.fastOverBare),
      restOverTrpc: median(perRound.restOverTrpc),
      fastOverStockAdapter: median(perRound.fastOverStockAdapter),
      stockCpuOverFastCpu: median(perRound.stockCpuOverFastCpu),
      loginOverBcryptCeiling: login.requestsPerSecond / ceiling,
      mysqlOverSqlite: median(perRound.mysqlOverSqlite),
      metricsOverPlain: median(perRound.metricsOverPlain),
      tracingOverPlain: median(perRound.tracingOverPlain),
      sampledTracingOverPlain: median(perRound.sampledTracingOverPlain),
      twinOverPlain: median(perRound.twinOverPlain),
      metricsByCpu: median(perRound.metricsByCpu),
      tracingByCpu: median(perRound.tracingByCpu),
      sampledTracingByCpu: median(perRound.sampledTracingByCpu),
      twinByCpu: median(perRound.twinByCpu),
    };
    const budget = [
      ['tRPC user.me ≥ 0.15× bare Express', ratios.trpcMeOverBareExpress >= 0.15],
      ['tRPC user.me p99 ≤ 50 ms (worst round)', trpcMeP99 <= 50],
      ['REST ≥ 0.8× tRPC user.me', ratios.restOverTrpc >= 0.8],
      // The one shim left (apps/server/src/fast-transport): it stays while it pays this.
      ['fast-transport user.me ≥ 1.3× tRPC stock adapter', ratios.fastOverStockAdapter >= 1.3],
      ['login ≥ 0.9× raw bcrypt ceiling', ratios.loginOverBcryptCeiling >= 0.9],
      [`user.me on ${mysql.product} ≥ 0.75× user.me on SQLite`, ratios.mysqlOverSqlite >= 0.75],
      ['user.me with metrics ≥ 0.95× without (metrics cost ≤ 5%)', ratios.metricsOverPlain >= 0.95],
      [
        'user.me with tracing, every request sampled, ≥ 0.85× without (tracing costs ≤ 15%)',
        ratios.tracingOverPlain >= 0.85,
      ],
      [`user.me with tracing, ${samplerLabel} (deploy/k8s), ≥ 0.85× without`, ratios.sampledTracingOverPlain >= 0.85],
      ['server peak RSS < 200 MB', serverPeak < 200],
    ] as const;

    console.log('\n| scenario | req/s | p50 ms | p99 ms | errors | CPU µs/req | peak RSS MB |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${r.cpuUsPerRequest ?? 'n/a'} | ${r.peakRssMb ?? 'n/a'} |`,
      );
    }
    console.log(
      `| raw bcrypt.compare ceiling (in-process, mean of just before and after login: ${ceilingBefore.toFixed(1)}, ${ceilingAfter.toFixed(1)}) | ${ceiling.toFixed(1)} | | | | | |`,
    );
    console.log('\nRatios');
    const spread = (values: number[]) =>
      `median ${median(values).toFixed(2)}, rounds ${values.map((v) => v.toFixed(2)).join(' ')}`;
    console.log(`  tRPC user.me ÷ bare Express     ${spread(perRound.fastOverBare)}`);
    console.log(`  REST /users/me ÷ tRPC user.me   ${spread(perRound.restOverTrpc)}`);
    console.log(`  fast-transport ÷ stock adapter  ${spread(perRound.fastOverStockAdapter)}`);
    console.log(`    by CPU per request (stock ÷ fast) ${spread(perRound.stockCpuOverFastCpu)}`);
    console.log(`  login ÷ raw bcrypt ceiling      ${ratios.loginOverBcryptCeiling.toFixed(2)}`);
    console.log(`  user.me on ${mysql.product} ÷ user.me on SQLite ${spread(perRound.mysqlOverSqlite)}`);
    const overRounds = (values: number[], byCpu: number[]) =>
      `median ${median(values).toFixed(2)}, middle half ${middleHalf(values)} of ${values.length} rounds; by CPU a request ${median(byCpu).toFixed(2)}`;
    console.log(`  user.me with metrics ÷ without  ${overRounds(perRound.metricsOverPlain, perRound.metricsByCpu)}`);
    console.log(`  user.me with tracing ÷ without  ${overRounds(perRound.tracingOverPlain, perRound.tracingByCpu)}`);
    console.log(
      `    sampled as deployed ÷ without ${overRounds(perRound.sampledTracingOverPlain, perRound.sampledTracingByCpu)}`,
    );
    console.log(`  control: twin ÷ plain           ${overRounds(perRound.twinOverPlain, perRound.twinByCpu)}`);
    console.log('\nBudget');
    for (const [line, met] of budget) console.log(`  ${met ? 'met    ' : 'NOT met'}  ${line}`);
    const checks = [
      ['baseline runs', noise],
      ['bcrypt ceilings before and after login', ceilingNoise],
    ] as const;
    console.log('');
    const controlOff = Math.abs(1 - ratios.twinOverPlain);
    if (controlOff > CONTROL_LIMIT) {
      console.log(
        `WARNING: the control (a twin of the plain server ÷ it) reads ${ratios.twinOverPlain.toFixed(2)}: the overhead lines cannot tell ${(CONTROL_LIMIT * 100).toFixed(0)}% apart in this run.`,
      );
    } else {
      console.log(
        `The control (a twin of the plain server ÷ it) reads ${ratios.twinOverPlain.toFixed(2)}: within ${(CONTROL_LIMIT * 100).toFixed(0)}% of 1.`,
      );
    }
    for (const [what, spread] of checks) {
      if (spread > NOISE_LIMIT) {
        console.log(
          `WARNING: the ${what} differ by ${(spread * 100).toFixed(0)}% (> ${NOISE_LIMIT * 100}%): this machine is too noisy to trust these figures.`,
        );
      } else {
        console.log(`The ${what} differ by ${(spread * 100).toFixed(1)}%: steady enough to compare.`);
      }
    }

    const resultsDir = join(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          database: database.label,
          mysqlDatabase: mysql.label,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
          warmupSeconds: WARMUP,
          bcryptCost: BCRYPT_COST,
          cpus: cpus().length,
          node: process.version,
          rows,
          bcryptCeilingPerSecond: ceiling,
          bcryptCeilingBeforeAndAfterLogin: [ceilingBefore, ceilingAfter],
          ratios,
          perRound,
          budget: Object.fromEntries(budget),
          overheadWindowSeconds: OVERHEAD_WINDOW,
          baselineNoise: noise,
          bcryptCeilingNoise: ceilingNoise,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nWrote ${file}`);
  } finally {
    await Promise.all(children.map(stop));
    otlpReceiver.close();
    await database.dispose();
    await mysql.dispose();
  }
}

await main();
