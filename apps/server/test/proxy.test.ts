/**
 * Who the client is, behind a proxy. The address the login throttle counts
 * and the security events name comes from X-Forwarded-For only as far as
 * TRUST_PROXY says: a client writing the header cannot buy itself a fresh
 * per-address budget. The client connects from 127.0.0.2 and the proxy
 * forwards from 127.0.0.3, so the server can tell them apart on one machine.
 */
import { createApiServices, RateLimiterAuthThrottle, type SecurityEvent, type SecurityEventType } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { type ForwardingProxy, startForwardingProxy } from './forwarding-proxy.js';
import { apiConfig, startServer, type TestServer, uniqueName } from './helpers.js';
import { type RawClient, type RawResponse, rawClient } from './raw-http.js';

const CLIENT_ADDRESS = '127.0.0.2';
const PROXY_ADDRESS = '127.0.0.3';
/** A small per-address budget, so a test spends it quickly. */
const FAILURES_PER_ADDRESS = 5;
const WRONG = 'definitely wrong password';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

interface Stack {
  /** Every security event the server emitted. */
  events: SecurityEvent[];
  /** Connects from CLIENT_ADDRESS, to the proxy when there is one, else to the server. */
  client: RawClient;
  close(): Promise<void>;
}

/**
 * The real app configured with `TRUST_PROXY` as the environment would give it,
 * behind `proxies` forwarding proxies (0: the client connects to the server).
 * The one next to the server forwards from PROXY_ADDRESS, each further one out
 * from the next address up (127.0.0.4, …).
 */
async function startStack(TRUST_PROXY: string, { proxies }: { proxies: number }): Promise<Stack> {
  const events: SecurityEvent[] = [];
  const services = createApiServices(apiConfig, {
    events: (event) => events.push(event),
    throttle: RateLimiterAuthThrottle.inMemory({ maxFailuresPerAddress: FAILURES_PER_ADDRESS }),
  });
  const server: TestServer = await startServer({
    orm: db.orm,
    services,
    logLevel: 'silent',
    trustProxy: parseConfig({ TRUST_PROXY }, '/repo').trustProxy,
  });
  const chain: ForwardingProxy[] = [];
  for (let i = 0; i < proxies; i += 1) {
    const localAddress = `127.0.0.${3 + i}`;
    chain.unshift(await startForwardingProxy(chain[0]?.baseUrl ?? server.baseUrl, { localAddress }));
  }
  const client = rawClient(chain[0]?.baseUrl ?? server.baseUrl, { localAddress: CLIENT_ADDRESS, maxSockets: 64 });
  return {
    events,
    client,
    async close() {
      client.close();
      for (const proxy of chain) await proxy.close();
      await server.close();
    },
  };
}

/** A failed login (a fresh unknown username each time, so only the per-address budget can run out). */
function failLogin(client: RawClient, forwardedFor: string | string[]): Promise<RawResponse> {
  return client.send({
    method: 'POST',
    path: '/api/auth/login',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username: uniqueName('xff'), password: WRONG }),
  });
}

/** What a hostile client writes: a different address (or chain, or garbage) on every request. */
function forgedForwardedFor(i: number): string | string[] {
  const forms = [
    `203.0.113.${i % 250}`,
    `198.51.100.${i % 250}, 203.0.113.${i % 250}`,
    [`192.0.2.${i % 250}`, `10.0.${i % 250}.1`], // two header lines
    `2001:db8::${i.toString(16)}`,
    `not-an-address-${i}`,
    `${CLIENT_ADDRESS.replace(/\d+$/, String(100 + (i % 100)))}`, // another loopback address
  ];
  return forms[i % forms.length] ?? '';
}

const addressesOf = (events: SecurityEvent[]) => new Set(events.map((event) => event.clientAddress));
const countOf = (events: SecurityEvent[], type: SecurityEventType) => events.filter((e) => e.type === type).length;

describe('TRUST_PROXY=1 behind a proxy that appends the client address (deploy/nginx.conf)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack('1', { proxies: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('counts failures sent at once with forged X-Forwarded-For values against the real client address, and answers 429 once its budget is spent', async () => {
    // The budget, spent all at once, each request claiming another address.
    const spending = await Promise.all(
      Array.from({ length: FAILURES_PER_ADDRESS }, (_, i) => failLogin(stack.client, forgedForwardedFor(i))),
    );
    expect(spending.map((res) => res.status)).toEqual(Array(FAILURES_PER_ADDRESS).fill(401));

    // Three times as many more at once, again each from a "new" address: none is checked.
    const refused = await Promise.all(
      Array.from({ length: 3 * FAILURES_PER_ADDRESS }, (_, i) =>
        failLogin(stack.client, forgedForwardedFor(FAILURES_PER_ADDRESS + i)),
      ),
    );
    for (const res of refused) {
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }

    // A tRPC batch from yet another claimed address fares no better.
    const batchSize = 4;
    const batch = await stack.client.send({
      method: 'POST',
      path: `/trpc/${Array(batchSize).fill('auth.login').join(',')}?batch=1`,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.254' },
      body: JSON.stringify(
        Object.fromEntries(
          Array.from({ length: batchSize }, (_, i) => [i, { username: uniqueName('xff'), password: WRONG }]),
        ),
      ),
    });
    expect(batch.status).toBe(429);
    const results = JSON.parse(batch.text) as { error?: { data?: { httpStatus?: number } } }[];
    expect(results.map((result) => result.error?.data?.httpStatus)).toEqual(Array(batchSize).fill(429));

    expect(addressesOf(stack.events)).toEqual(new Set([CLIENT_ADDRESS]));
    expect(countOf(stack.events, 'login.failed')).toBe(FAILURES_PER_ADDRESS);
    expect(countOf(stack.events, 'login.throttled')).toBe(3 * FAILURES_PER_ADDRESS + batchSize);
  });
});

describe('TRUST_PROXY set to the proxy address behind the proxy', () => {
  it('takes the address the proxy appended, whatever the client wrote before it', async () => {
    const stack = await startStack(PROXY_ADDRESS, { proxies: 1 });
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => failLogin(stack.client, forgedForwardedFor(i))));
      expect(addressesOf(stack.events)).toEqual(new Set([CLIENT_ADDRESS]));
    } finally {
      await stack.close();
    }
  });

  it('takes the socket address of a client that reaches the server directly, not its header', async () => {
    const stack = await startStack(PROXY_ADDRESS, { proxies: 0 });
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => failLogin(stack.client, forgedForwardedFor(i))));
      expect(addressesOf(stack.events)).toEqual(new Set([CLIENT_ADDRESS]));
    } finally {
      await stack.close();
    }
  });
});

describe('TRUST_PROXY=false (the default)', () => {
  it('ignores X-Forwarded-For: a direct client is its socket address', async () => {
    const stack = await startStack('false', { proxies: 0 });
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => failLogin(stack.client, forgedForwardedFor(i))));
      expect(addressesOf(stack.events)).toEqual(new Set([CLIENT_ADDRESS]));
    } finally {
      await stack.close();
    }
  });

  it('behind a proxy, sees every client as the proxy (so set a hop count there)', async () => {
    const stack = await startStack('false', { proxies: 1 });
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => failLogin(stack.client, forgedForwardedFor(i))));
      expect(addressesOf(stack.events)).toEqual(new Set([PROXY_ADDRESS]));
    } finally {
      await stack.close();
    }
  });
});

describe('two proxies in front (a load balancer before nginx)', () => {
  it('TRUST_PROXY=2 takes the address the outer proxy appended; 1 would take the outer proxy itself', async () => {
    const outerProxyAddress = '127.0.0.4';
    for (const [TRUST_PROXY, seen] of [
      ['2', CLIENT_ADDRESS],
      ['1', outerProxyAddress],
    ] as const) {
      const stack = await startStack(TRUST_PROXY, { proxies: 2 });
      try {
        await Promise.all(Array.from({ length: 6 }, (_, i) => failLogin(stack.client, forgedForwardedFor(i))));
        expect(addressesOf(stack.events), `TRUST_PROXY=${TRUST_PROXY}`).toEqual(new Set([seen]));
      } finally {
        await stack.close();
      }
    }
  });
});

describe('TRUST_PROXY=1 without a proxy in front', () => {
  it('takes the right-most X-Forwarded-For entry (which is why the hop count must match the proxies there are)', async () => {
    const stack = await startStack('1', { proxies: 0 });
    try {
      await failLogin(stack.client, '198.51.100.1, 203.0.113.7');
      await failLogin(stack.client, ['198.51.100.2', '203.0.113.8']);
      expect(stack.events.map((event) => event.clientAddress)).toEqual(['203.0.113.7', '203.0.113.8']);
    } finally {
      await stack.close();
    }
  });
});
