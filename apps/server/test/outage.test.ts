/**
 * A database outage under load, on MySQL: the app reaches its database
 * through a TCP proxy of this test's own, which is cut mid-load (connections
 * destroyed and refused, or black-holed) and then restored on the same port.
 *
 * Outcomes asserted: requests that need the database answer 503
 * `{ message, code: 'SERVICE_UNAVAILABLE' }` (or tRPC's equivalent) and never
 * hang; /readyz says 503; nothing crashes; everything works again after the
 * restore without a restart; no acknowledged registration is lost. Timings are
 * printed, never asserted: a request unanswered after HANG_MS fails as a hang.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';
import type { AppRouter, TokenPair } from '@repo/api';
import { ACQUIRE_TIMEOUT_CODE, createOrm, pingDatabase, repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase, testDialect } from '@repo/db/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, register, startServer, type TestServer, uniqueName } from './helpers.js';
import { type CutMode, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** A request unanswered after this long is a hang, and fails the test. */
const HANG_MS = 20_000;
/** How long to wait for the first 503 after a cut, or the first 200 after a restore. */
const SETTLE_MS = 40_000;
/**
 * How long each outage lasts under load. A black hole outlasts HANG_MS: a
 * request that waits on a silent connection without a bound of its own would
 * be answered only after the restore, and so be caught as a hang.
 */
const OUTAGE_MS: Record<CutMode, number> = { refuse: 8_000, blackhole: HANG_MS + 5_000 };
const WORKERS = 8;
/** Each worker's pause between two requests: a steady stream, not a flood. */
const PAUSE_MS = 20;

type Outcome = 'ok' | 'unavailable' | 'other' | 'hang';
type Op = 'rest.register' | 'trpc.register' | 'rest.me' | 'trpc.me';
const OPS: readonly Op[] = ['rest.register', 'trpc.register', 'rest.me', 'trpc.me'];

interface Sample {
  op: Op;
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
  /** What was wrong, for `other` and `hang`. */
  detail?: string;
}

const isMysql = testDialect() === 'mysql';

let db: TestDatabase;
let proxy: TcpProxy;
/** The app's ORM, connected through the proxy. */
let orm: MikroORM;
let server: TestServer;
/** Signed-in users whose tokens the `me` calls use. */
let residents: TokenPair[] = [];
/** Every registration answered 200, over the whole run. */
const acknowledged = new Set<string>();
/** Registrations answered 503 (their outcome is unknown to the client). */
const refused = new Set<string>();
const unhandled: string[] = [];
const onUnhandledRejection = (reason: unknown) => {
  unhandled.push(`unhandledRejection: ${String(reason)}`);
};
const onUncaughtException = (error: Error) => {
  unhandled.push(`uncaughtException: ${error.stack ?? String(error)}`);
};

function is503Body(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { message, code } = body as { message?: unknown; code?: unknown };
  return typeof message === 'string' && message.length > 0 && code === 'SERVICE_UNAVAILABLE';
}

async function restCall(
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<{ outcome: Outcome; detail?: string; body?: unknown }> {
  const signal = AbortSignal.timeout(HANG_MS);
  try {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers,
      signal,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.status === 200) return { outcome: 'ok', body };
    if (res.status === 503 && is503Body(body)) return { outcome: 'unavailable', body };
    return { outcome: 'other', detail: `${method} ${path}: ${res.status} ${text.slice(0, 300)}` };
  } catch (error) {
    if (signal.aborted) return { outcome: 'hang', detail: `${method} ${path}: no answer in ${HANG_MS} ms` };
    return { outcome: 'other', detail: `${method} ${path}: ${String(error)}` };
  }
}

async function trpcCall(
  label: string,
  call: (signal: AbortSignal) => Promise<unknown>,
): Promise<{ outcome: Outcome; detail?: string }> {
  const signal = AbortSignal.timeout(HANG_MS);
  try {
    await call(signal);
    return { outcome: 'ok' };
  } catch (error) {
    if (signal.aborted) return { outcome: 'hang', detail: `${label}: no answer in ${HANG_MS} ms` };
    if (error instanceof TRPCClientError) {
      const { data, message } = error as TRPCClientError<AppRouter>;
      if (data?.httpStatus === 503 && data.code === 'SERVICE_UNAVAILABLE' && message.length > 0) {
        return { outcome: 'unavailable' };
      }
      return { outcome: 'other', detail: `${label}: ${data?.httpStatus} ${data?.code} ${message}` };
    }
    return { outcome: 'other', detail: `${label}: ${String(error)}` };
  }
}

async function runOp(op: Op, n: number): Promise<{ outcome: Outcome; detail?: string }> {
  const resident = residents[n % residents.length];
  if (!resident) throw new Error('no resident users');
  switch (op) {
    case 'rest.register':
    case 'trpc.register': {
      const username = uniqueName(op === 'rest.register' ? 'or' : 'ot');
      const result =
        op === 'rest.register'
          ? await restCall('POST', '/api/auth/register', { body: { username, password: PASSWORD } })
          : await trpcCall(op, (signal) =>
              server.trpc().auth.register.mutate({ username, password: PASSWORD }, { signal }),
            );
      if (result.outcome === 'ok') acknowledged.add(username);
      if (result.outcome === 'unavailable') refused.add(username);
      return result;
    }
    case 'rest.me':
      return restCall('GET', '/api/users/me', { token: resident.accessToken });
    case 'trpc.me':
      return trpcCall(op, (signal) => server.trpc(resident.accessToken).user.me.query(undefined, { signal }));
  }
}

/** WORKERS loops of requests until stopped, each answer recorded. */
function startLoad() {
  const samples: Sample[] = [];
  let isRunning = true;
  const worker = async (w: number) => {
    for (let i = 0; isRunning; i += 1) {
      const op = OPS[(w + i) % OPS.length] ?? 'rest.me';
      const startedAt = performance.now();
      const { outcome, detail } = await runOp(op, w + i);
      samples.push({ op, startedAt, endedAt: performance.now(), outcome, ...(detail ? { detail } : {}) });
      await sleep(PAUSE_MS);
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  return {
    samples,
    async stop() {
      isRunning = false;
      await Promise.all(workers);
    },
  };
}

/** Polls until `found` returns something, or fails after SETTLE_MS. */
async function waitFor<T>(what: string, found: () => T | undefined): Promise<T> {
  const deadline = performance.now() + SETTLE_MS;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`no ${what} within ${SETTLE_MS} ms`);
    await sleep(20);
  }
}

const ms = (value: number) => `${Math.round(value)} ms`;

function summarize(mode: CutMode, samples: Sample[], marks: { cutAt: number; restoreAt: number }) {
  const phaseOf = (s: Sample) =>
    s.startedAt < marks.cutAt ? 'before' : s.startedAt < marks.restoreAt ? 'during' : 'after';
  const zero = (): Record<Outcome, number> => ({ ok: 0, unavailable: 0, other: 0, hang: 0 });
  const counts = { before: zero(), during: zero(), after: zero() };
  for (const s of samples) counts[phaseOf(s)][s.outcome] += 1;
  const failedLatencies = samples
    .filter((s) => s.outcome === 'unavailable')
    .map((s) => s.endedAt - s.startedAt)
    .sort((a, b) => a - b);
  const firstUnavailable = samples
    .filter((s) => s.outcome === 'unavailable' && s.endedAt >= marks.cutAt)
    .reduce((min, s) => Math.min(min, s.endedAt), Number.POSITIVE_INFINITY);
  const firstOkStartedAfter = samples
    .filter((s) => s.outcome === 'ok' && s.startedAt >= marks.restoreAt)
    .reduce((min, s) => Math.min(min, s.endedAt), Number.POSITIVE_INFINITY);
  const firstOkAfter = samples
    .filter((s) => s.outcome === 'ok' && s.endedAt >= marks.restoreAt)
    .reduce((min, s) => Math.min(min, s.endedAt), Number.POSITIVE_INFINITY);
  const total = zero();
  for (const s of samples) total[s.outcome] += 1;
  return {
    mode,
    cutToFirst503: ms(firstUnavailable - marks.cutAt),
    restoreToFirst200: ms(firstOkStartedAfter - marks.restoreAt),
    restoreToFirst200AnyRequest: ms(firstOkAfter - marks.restoreAt),
    latencyOf503: {
      median: ms(failedLatencies[Math.floor(failedLatencies.length / 2)] ?? Number.NaN),
      p95: ms(failedLatencies[Math.floor(failedLatencies.length * 0.95)] ?? Number.NaN),
      max: ms(failedLatencies.at(-1) ?? Number.NaN),
    },
    requests: total,
    byPhase: counts,
  };
}

/** Cuts the proxy mid-load, checks the outage, restores it, checks the recovery. */
async function outage(mode: CutMode) {
  const load = startLoad();
  const { samples } = load;
  try {
    await waitFor('200s before the cut', () =>
      samples.filter((s) => s.outcome === 'ok').length >= 40 ? true : undefined,
    );

    const cutAt = performance.now();
    await proxy.cut(mode);

    const readyStartedAt = performance.now();
    const ready = await restCall('GET', '/readyz');
    const readyLatency = performance.now() - readyStartedAt;
    expect(ready.outcome, ready.detail).toBe('unavailable');

    await waitFor('503 after the cut', () => samples.find((s) => s.outcome === 'unavailable' && s.endedAt >= cutAt));
    // Keep the outage going under load for a while: later requests, and those
    // that were in flight on the cut connections, must all come back.
    await sleep(OUTAGE_MS[mode]);
    expect((await restCall('GET', '/healthz')).outcome).toBe('ok');

    const restoreAt = performance.now();
    await proxy.restore();
    await waitFor('200 after the restore', () => samples.find((s) => s.outcome === 'ok' && s.startedAt >= restoreAt));
    await sleep(1_000);
    await load.stop();

    const report = summarize(mode, samples, { cutAt, restoreAt });
    console.log(
      `[outage:${mode}] ${JSON.stringify({ ...report, readyzDuringCut: { status: 503, latency: ms(readyLatency) } }, null, 2)}`,
    );

    const failures = samples.filter((s) => s.outcome === 'other' || s.outcome === 'hang');
    expect(failures.map((s) => `${s.op} ${s.outcome} ${s.detail}`)).toEqual([]);
    expect(samples.some((s) => s.outcome === 'unavailable')).toBe(true);

    // Recovered, without a restart: every kind of call works again.
    expect((await restCall('GET', '/readyz')).outcome).toBe('ok');
    for (const [i, op] of OPS.entries()) {
      const result = await runOp(op, i);
      expect(result.outcome, `${op} after the restore: ${result.detail}`).toBe('ok');
    }
  } finally {
    await load.stop();
  }
  expect(unhandled).toEqual([]);
}

describe.skipIf(!isMysql)(
  isMysql
    ? 'a MySQL outage under load, through a TCP proxy'
    : 'a MySQL outage under load (skipped on SQLite: the embedded database has no network connection to cut)',
  () => {
    beforeAll(async () => {
      process.on('unhandledRejection', onUnhandledRejection);
      process.on('uncaughtException', onUncaughtException);
      db = await createTestDatabase('mysql');
      const realUrl = new URL(db.url);
      proxy = await startTcpProxy({ host: realUrl.hostname, port: Number(realUrl.port || 3306) });
      const proxiedUrl = new URL(db.url);
      proxiedUrl.hostname = '127.0.0.1';
      proxiedUrl.port = String(proxy.port);
      // The production defaults: the figures printed are what a real server would show.
      orm = await createOrm({ url: proxiedUrl.toString(), rootDir: tmpdir(), quiet: true });
      server = await startServer({ orm, logLevel: 'error' });
      residents = await Promise.all(Array.from({ length: 4 }, () => register(server, uniqueName('resident'))));
    });
    afterAll(async () => {
      await server?.close();
      await orm?.close(true);
      await proxy?.close();
      await db?.destroy();
      process.off('unhandledRejection', onUnhandledRejection);
      process.off('uncaughtException', onUncaughtException);
    });

    it('answers 503 quickly while connections are destroyed and refused, and recovers on restore', async () => {
      await outage('refuse');
    }, 120_000);

    it('answers 503 quickly while connections are black-holed (open, silent), and recovers on restore', async () => {
      await outage('blackhole');
    }, 120_000);

    it('lost no acknowledged registration: each is stored and can sign in', async () => {
      expect(acknowledged.size).toBeGreaterThan(0);
      // Through the real URL, not the proxy.
      const rows: { usernameKey: string }[] = await db.orm.em
        .fork()
        .getConnection()
        .execute('select username_key as usernameKey from users');
      const stored = new Set(rows.map((row) => row.usernameKey));
      const missing = [...acknowledged].filter((name) => !stored.has(name.toLowerCase()));
      expect(missing).toEqual([]);

      const names = [...acknowledged];
      const failedLogins: string[] = [];
      for (let i = 0; i < names.length; i += 16) {
        await Promise.all(
          names.slice(i, i + 16).map(async (username) => {
            const res = await restCall('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
            if (res.outcome !== 'ok') failedLogins.push(`${username}: ${res.outcome} ${res.detail ?? ''}`);
          }),
        );
      }
      expect(failedLogins).toEqual([]);
      const storedAfter503 = [...refused].filter((name) => stored.has(name.toLowerCase())).length;
      console.log(
        `[outage] registrations: ${acknowledged.size} acknowledged (all stored, all sign in); ${refused.size} answered 503, of which ${storedAfter503} were stored anyway (committed, answer lost)`,
      );
      expect(unhandled).toEqual([]);
    }, 120_000);
  },
);

describe.skipIf(!isMysql)('a session check on a connection gone silent (MySQL)', () => {
  it('fails with a timeout, and the pool replaces the connection', async () => {
    const silentDb = await createTestDatabase('mysql');
    const realUrl = new URL(silentDb.url);
    const silentProxy = await startTcpProxy({ host: realUrl.hostname, port: Number(realUrl.port || 3306) });
    const proxiedUrl = new URL(silentDb.url);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(silentProxy.port);
    const silentOrm = await createOrm({
      url: proxiedUrl.toString(),
      rootDir: tmpdir(),
      quiet: true,
      poolMax: 1,
      queryTimeoutMs: 300,
    });
    try {
      // The pool's one connection is open.
      await silentOrm.em.getConnection().execute('select 1');
      await silentProxy.cut('blackhole');
      // Unbounded, this would wait for the black hole forever (the test would time out).
      const check = () => repositoriesOf(silentOrm.em.fork()).sessions.findLiveIdentity(randomUUID(), new Date());
      await expect(check()).rejects.toMatchObject({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
      await silentProxy.restore();
      expect(await check()).toBeNull();
    } finally {
      await silentOrm.close(true);
      await silentProxy.close();
      await silentDb.destroy();
    }
  });
});

describe.skipIf(!isMysql)('the bounds on opening and acquiring a connection (MySQL, through a black hole)', () => {
  let silentDb: TestDatabase;
  let silentProxy: TcpProxy;
  let proxiedUrl: string;
  beforeAll(async () => {
    silentDb = await createTestDatabase('mysql');
    const realUrl = new URL(silentDb.url);
    silentProxy = await startTcpProxy({ host: realUrl.hostname, port: Number(realUrl.port || 3306) });
    const url = new URL(silentDb.url);
    url.hostname = '127.0.0.1';
    url.port = String(silentProxy.port);
    proxiedUrl = url.toString();
  });
  afterAll(async () => {
    await silentProxy?.close();
    await silentDb?.destroy();
  });

  // Each case sets every other bound far beyond the test's timeout: only the one under test can end the wait.
  const FOREVER_MS = 600_000;

  it('connectTimeoutMs ends a handshake that never comes (ETIMEDOUT)', async () => {
    const orm = await createOrm({
      url: proxiedUrl,
      rootDir: tmpdir(),
      quiet: true,
      connectTimeoutMs: 300,
      acquireTimeoutMs: FOREVER_MS,
      queryTimeoutMs: FOREVER_MS,
    });
    // New connections are accepted and never answered: the handshake waits forever.
    await silentProxy.cut('blackhole');
    try {
      await expect(orm.em.getConnection().execute('select 1')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    } finally {
      await silentProxy.restore();
      await orm.close(true);
    }
  });

  it('acquireTimeoutMs ends the wait for a pooled connection', async () => {
    const orm = await createOrm({
      url: proxiedUrl,
      rootDir: tmpdir(),
      quiet: true,
      connectTimeoutMs: FOREVER_MS,
      acquireTimeoutMs: 300,
      queryTimeoutMs: FOREVER_MS,
    });
    await silentProxy.cut('blackhole');
    try {
      await expect(orm.em.getConnection().execute('select 1')).rejects.toMatchObject({ code: ACQUIRE_TIMEOUT_CODE });
    } finally {
      // The handshake still waiting completes, so that the pool can close.
      await silentProxy.restore();
      await orm.close(true);
    }
  });
});

describe('the readiness ping', () => {
  it('answers false when the round trip never ends', async () => {
    const silent = { em: { getConnection: () => ({ execute: () => new Promise<never>(() => {}) }) } };
    expect(await pingDatabase(silent as unknown as MikroORM, 50)).toBe(false);
  });
});
