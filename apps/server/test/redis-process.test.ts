/**
 * `src/main.ts` as the real process, with REDIS_URL: it connects to Redis
 * (or, when Redis is unreachable, says so once and starts anyway), counts
 * failed logins there, and on SIGTERM closes the client and exits 0.
 *
 * It runs in the sqlite project only: the Redis wiring does not depend on the
 * database, and the process on MySQL is covered by process.test.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeSqliteFile } from '@repo/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_LOG } from '../src/redis.js';
import { PASSWORD, uniqueName } from './helpers.js';
import { inspectRedis, LEVEL, type LogLine, redisTestsRun, TEST_REDIS_URL, uniqueKeyPrefix } from './redis-support.js';
import { freePort, spawnServer, waitForOk } from './server-process.js';

const isSqliteProject = process.env.TEST_DB !== 'mysql';
const redisTests = isSqliteProject ? await redisTestsRun('the server process tests with REDIS_URL') : undefined;

interface Running {
  child: ChildProcess;
  lines: () => LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  base: string;
}

const processes: ChildProcess[] = [];
const files: string[] = [];
afterAll(() => {
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill();
  for (const file of files) removeSqliteFile(file);
});

/** Starts main.ts (production, JSON logs, a fresh SQLite file) and waits for /healthz. */
async function startProcess(redisUrl: string, env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const file = join(tmpdir(), `redis-process-${randomBytes(6).toString('hex')}.sqlite`);
  files.push(file);
  const proc = spawnServer(
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: `sqlite:${file}`,
      REDIS_URL: redisUrl,
      JWT_ACCESS_SECRET: 'redis-process-access-secret-of-32-bytes-plus',
      JWT_REFRESH_SECRET: 'redis-process-refresh-secret-of-32-bytes-plus',
      MFA_ENCRYPTION_KEY: 'bWZhLXRlc3Qta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXM',
      BCRYPT_COST: '10',
      ...env,
    },
    ['--migrate'],
  );
  const { child, stdout, stderr, exited } = proc;
  processes.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/healthz`, proc);
  const lines = () =>
    stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  return { child, lines, stderr, exited, base };
}

async function loginStatus(base: string, username: string, password: string): Promise<number> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return res.status;
}

async function registerStatus(base: string, username: string): Promise<number> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  return res.status;
}

async function stop(proc: Running): Promise<void> {
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toEqual({ code: 0, signal: null });
  expect(proc.lines().map((line) => line.msg)).toContain('stopped');
  expect(proc.stderr()).toBe('');
}

describe.runIf(redisTests?.runs)('the server process with REDIS_URL', () => {
  it('connects to Redis, counts failed logins there under REDIS_KEY_PREFIX, and on SIGTERM stops with exit 0', async () => {
    redisTests?.requireRedis();
    const prefix = uniqueKeyPrefix('redis-process');
    const proc = await startProcess(TEST_REDIS_URL, { REDIS_KEY_PREFIX: prefix });
    const inspect = await inspectRedis();
    const username = uniqueName('procredis');
    try {
      expect(proc.lines().filter((line) => line.msg === REDIS_LOG.connected)).toHaveLength(1);
      expect(await registerStatus(proc.base, username)).toBe(200);
      expect(await loginStatus(proc.base, username, 'definitely wrong password')).toBe(401);
      expect(await loginStatus(proc.base, username, 'definitely wrong password')).toBe(401);
      expect(await inspect.get(`${prefix}login_user:${username}`)).toBe('2');
      // Every key it wrote is under its prefix: none without it.
      expect(await inspect.exists(`login_user:${username}`, `login_user_addr:${username}@127.0.0.1`)).toBe(0);
      expect((await inspect.keys(`${prefix}*`)).sort()).toEqual(
        [
          `${prefix}login_addr:127.0.0.1`,
          `${prefix}login_user:${username}`,
          `${prefix}login_user_addr:${username}@127.0.0.1`,
          `${prefix}register_addr:127.0.0.1`,
        ].sort(),
      );
      await stop(proc);
      expect(proc.lines().filter((line) => line.level >= LEVEL.warn)).toEqual([]);
    } finally {
      await inspect.deleteKeys(prefix);
      inspect.disconnect();
    }
  }, 60_000);

  it('keeps separate budgets for servers with different prefixes over one Redis, and shares them for the same prefix', async () => {
    redisTests?.requireRedis();
    const [shared, other] = [uniqueKeyPrefix('redis-process-a'), uniqueKeyPrefix('redis-process-b')];
    const budget = { THROTTLE_REGISTER_PER_ADDRESS: '2' };
    const procs = await Promise.all([
      startProcess(TEST_REDIS_URL, { ...budget, REDIS_KEY_PREFIX: shared }),
      startProcess(TEST_REDIS_URL, { ...budget, REDIS_KEY_PREFIX: shared }),
      startProcess(TEST_REDIS_URL, { ...budget, REDIS_KEY_PREFIX: other }),
    ]);
    const [first, second, third] = procs as [Running, Running, Running];
    const inspect = await inspectRedis();
    try {
      // Two registrations on the first server spend the budget the second shares...
      expect(await registerStatus(first.base, uniqueName('prefixa'))).toBe(200);
      expect(await registerStatus(first.base, uniqueName('prefixa'))).toBe(200);
      expect(await registerStatus(second.base, uniqueName('prefixa'))).toBe(429);
      // ...and not the third's, under another prefix.
      expect(await registerStatus(third.base, uniqueName('prefixb'))).toBe(200);
      expect(await registerStatus(third.base, uniqueName('prefixb'))).toBe(200);
      expect(await registerStatus(third.base, uniqueName('prefixb'))).toBe(429);
      expect(await inspect.get(`${shared}register_addr:127.0.0.1`)).toBe('3');
      expect(await inspect.get(`${other}register_addr:127.0.0.1`)).toBe('3');
      for (const proc of procs) await stop(proc);
    } finally {
      await inspect.deleteKeys(shared);
      await inspect.deleteKeys(other);
      inspect.disconnect();
    }
  }, 90_000);

  it('starts when Redis is unreachable, warns once, answers logins, and still stops with exit 0', async () => {
    const proc = await startProcess(`redis://127.0.0.1:${await freePort()}`);
    const username = uniqueName('procnoredis');
    expect(await registerStatus(proc.base, username)).toBe(200);
    expect(await loginStatus(proc.base, username, 'definitely wrong password')).toBe(401);
    expect(await loginStatus(proc.base, username, PASSWORD)).toBe(200);

    const warnings = proc.lines().filter((line) => line.msg === REDIS_LOG.unreachable);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(LEVEL.warn);
    expect(proc.lines().filter((line) => line.msg === REDIS_LOG.connected)).toEqual([]);
    await stop(proc);
  }, 60_000);
});
