/**
 * Prometheus metrics: a known set of calls over real HTTP, then the metrics
 * endpoint scraped and read with a Prometheus text-format parser; every
 * counter and histogram count must have moved by exactly that much. And the
 * process: /metrics on METRICS_PORT only, never on the public port.
 */
import type { AddressInfo } from 'node:net';
import { createApiServices, type TokenPair } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, serveMetrics } from '../src/metrics.js';
import { apiConfig, PASSWORD, uniqueName, useTestServer } from './helpers.js';
import { freePort, spawnServer, waitForOk } from './server-process.js';

const metrics = createMetrics();
const ctx = useTestServer({
  services: createApiServices(
    // Two wrong passwords per username and address: the third is refused by that budget.
    { ...apiConfig, throttle: { maxFailuresPerUsernameAddress: 2, maxRegistrationsPerAddress: 1000 } },
    { observer: metrics.observer, events: (event) => metrics.onSecurityEvent(event) },
  ),
  metrics,
  logLevel: 'silent',
});
let metricsUrl: string;
let closeMetrics: () => void;

beforeAll(async () => {
  const endpoint = await serveMetrics(metrics.registry, 0, '127.0.0.1');
  metricsUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/metrics`;
  closeMetrics = () => endpoint.close();
});
afterAll(() => {
  closeMetrics?.();
});

/**
 * The exposition, parsed. Histograms are read as their plain series
 * (`<name>_count`…): the parser expects `le` as the last label, as
 * Prometheus writes it, and prom-client writes it first; without the TYPE
 * line each series parses exactly, labels and all.
 */
function parse(text: string): ParsedFamily[] {
  return parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram\n/gm, ''));
}

async function scrape(): Promise<ParsedFamily[]> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

/** The value of the sample of `name` with exactly `labels` (0 when there is none yet). */
function sampleValue(families: ParsedFamily[], name: string, labels: Record<string, string>): number {
  // The parser makes a family of each run of samples: read them all.
  const samples = families.filter((family) => family.name === name).flatMap((family) => family.metrics);
  const sample = samples.find(
    (candidate) =>
      Object.keys(labels).length === Object.keys(candidate.labels ?? {}).length &&
      Object.entries(labels).every(([key, value]) => candidate.labels?.[key] === value),
  );
  return Number(sample?.value ?? 0);
}

describe('the metrics after a known set of calls', () => {
  it('moved every counter and histogram count by exactly the calls made', async () => {
    const before = await scrape();
    const username = uniqueName('metrics');
    const registered = await ctx.server.rest<TokenPair>('POST', '/api/auth/register', {
      body: { username, password: PASSWORD },
    });
    expect(registered.status).toBe(200);
    const token = registered.body.accessToken;
    for (let i = 0; i < 2; i++) {
      expect(
        (await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } })).status,
      ).toBe(200);
    }
    const wrong = { body: { username, password: 'definitely wrong password' } };
    expect((await ctx.server.rest('POST', '/api/auth/login', wrong)).status).toBe(401);
    expect((await ctx.server.rest('POST', '/api/auth/login', wrong)).status).toBe(401);
    expect((await ctx.server.rest('POST', '/api/auth/login', wrong)).status).toBe(429);
    const trpc = ctx.server.trpc(token);
    for (let i = 0; i < 4; i++) await trpc.user.me.query();
    // Its input in the query string, which no label carries.
    await trpc.user.list.query({ limit: 2 });
    for (let i = 0; i < 3; i++) {
      expect((await ctx.server.rest('GET', `/api/users/${registered.body.user.id}`, { token })).status).toBe(200);
    }
    expect((await ctx.server.rest('GET', '/api/users/me', {})).status).toBe(401);
    expect((await ctx.server.rest('GET', '/api/no/such/route', { token })).status).toBe(404);
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const http = 'http_request_duration_seconds_count';
    expect(moved(http, { method: 'GET', route: '/trpc/user.me', status: '200' })).toBe(4);
    expect(moved(http, { method: 'GET', route: '/trpc/user.list', status: '200' })).toBe(1);
    expect(moved(http, { method: 'GET', route: '/api/users/{id}', status: '200' })).toBe(3);
    expect(moved(http, { method: 'POST', route: '/api/auth/login', status: '200' })).toBe(2);
    expect(moved(http, { method: 'POST', route: '/api/auth/login', status: '401' })).toBe(2);
    expect(moved(http, { method: 'POST', route: '/api/auth/login', status: '429' })).toBe(1);
    expect(moved(http, { method: 'GET', route: '/api/users/me', status: '401' })).toBe(1);
    // A URL no route has is one label, not one per URL.
    expect(moved(http, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);

    const procedure = 'trpc_procedure_duration_seconds_count';
    expect(moved(procedure, { procedure: 'user.me', type: 'query', outcome: 'ok' })).toBe(4);
    expect(moved(procedure, { procedure: 'user.me', type: 'query', outcome: 'UNAUTHORIZED' })).toBe(1);
    expect(moved(procedure, { procedure: 'user.byId', type: 'query', outcome: 'ok' })).toBe(3);
    expect(moved(procedure, { procedure: 'auth.login', type: 'mutation', outcome: 'ok' })).toBe(2);
    expect(moved(procedure, { procedure: 'auth.login', type: 'mutation', outcome: 'UNAUTHORIZED' })).toBe(2);
    expect(moved(procedure, { procedure: 'auth.login', type: 'mutation', outcome: 'TOO_MANY_REQUESTS' })).toBe(1);

    expect(moved('auth_sign_ins_total', { outcome: 'succeeded' })).toBe(2);
    expect(moved('auth_sign_ins_total', { outcome: 'failed' })).toBe(2);
    expect(moved('auth_sign_ins_total', { outcome: 'throttled' })).toBe(1);
    expect(moved('auth_throttle_refusals_total', { budget: 'maxFailuresPerUsernameAddress' })).toBe(1);

    // Node's default metrics are there too.
    expect(after.map((family) => family.name)).toContain('process_cpu_user_seconds_total');
  });
});

describe('the MySQL pool gauges', () => {
  it("read the pool's use at each scrape", async () => {
    const pool = { max: 4, inUse: 0, waiting: 0, acquireTimeouts: 0 };
    const { registry } = createMetrics({ pool });
    const read = async () => {
      const families = parse(await registry.metrics());
      return [
        sampleValue(families, 'db_pool_connections', { state: 'in_use' }),
        sampleValue(families, 'db_pool_connections', { state: 'max' }),
        sampleValue(families, 'db_pool_waiting_requests', {}),
        sampleValue(families, 'db_pool_acquire_timeouts_total', {}),
      ];
    };
    expect(await read()).toEqual([0, 4, 0, 0]);
    Object.assign(pool, { inUse: 4, waiting: 2, acquireTimeouts: 3 });
    expect(await read()).toEqual([4, 4, 2, 3]);
    Object.assign(pool, { inUse: 1, waiting: 0 });
    expect(await read()).toEqual([1, 4, 0, 3]);
  });

  it('are not there without a pool (SQLite)', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).not.toContain('db_pool_');
  });
});

describe('the server process', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('serves /metrics on METRICS_PORT and never on the public port, with the pool gauges on MySQL', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const proc = spawnServer({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      JWT_ACCESS_SECRET: 'metrics-process-access-secret-of-32-bytes',
      JWT_REFRESH_SECRET: 'metrics-process-refresh-secret-of-32-bytes',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
      BCRYPT_COST: '10',
    });
    try {
      await waitForOk(`http://127.0.0.1:${port}/healthz`, proc);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      const families = parse(await scraped.text());
      expect(
        sampleValue(families, 'http_request_duration_seconds_count', {
          method: 'GET',
          route: '/readyz',
          status: '200',
        }),
      ).toBe(1);
      const max = families.find((family) => family.name === 'db_pool_connections');
      if (db.dialect === 'mysql') {
        // The pool's size (10, createOrm's default); what is in use at this moment (the start's prune may
        // hold a connection) is counted by packages/db's pool test.
        expect(sampleValue(families, 'db_pool_connections', { state: 'max' })).toBe(10);
        const inUse = sampleValue(families, 'db_pool_connections', { state: 'in_use' });
        expect(inUse).toBeGreaterThanOrEqual(0);
        expect(inUse).toBeLessThanOrEqual(10);
        expect(families.map((family) => family.name)).toEqual(
          expect.arrayContaining(['db_pool_waiting_requests', 'db_pool_acquire_timeouts_total']),
        );
      } else {
        expect(max).toBeUndefined();
      }
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (proc.child.exitCode === null) proc.child.kill();
    }
  }, 60_000);
});
