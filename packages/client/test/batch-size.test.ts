import type { TokenPair } from '@repo/api';
import { startTestApi, type TestApi } from '@repo/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type FetchLike, memorySessionStore } from '../src/index.js';
import { ACCESS_TTL_MS, newCredentials, recordingFetch } from './helpers.js';

/** Lower than the calls sent at once below, and than the 10 the client used to assume. */
const SERVER_CAP = 3;
const PARALLEL_CALLS = 10;
/** A web app's origin, allowed by CORS. */
const APP = 'http://app.example';

let server: TestApi;

beforeAll(async () => {
  server = await startTestApi({ config: { accessTtlMs: ACCESS_TTL_MS }, maxBatchSize: SERVER_CAP, corsOrigins: [APP] });
});
afterAll(async () => {
  await server?.close();
});

/** A recording fetch that also keeps every response's status. */
function observedFetch() {
  const statuses: number[] = [];
  const log = recordingFetch();
  const fetch: FetchLike = async (input, init) => {
    const response = await log.fetch(input, init);
    statuses.push(response.status);
    return response;
  };
  return { fetch, statuses, log };
}

/** A session registered over REST, for a client to start from. */
async function registeredPair(): Promise<TokenPair> {
  const res = await server.rest('POST', '/api/auth/register', { body: newCredentials('batch') });
  expect(res.status).toBe(200);
  return (await res.json()) as TokenPair;
}

const parallelQueries = (client: ReturnType<typeof createApiClient>) =>
  Promise.all(Array.from({ length: PARALLEL_CALLS }, () => client.trpc.user.me.query()));

describe('batches never exceed the server’s cap (TRPC_MAX_BATCH_SIZE)', () => {
  it('the server publishes its cap on every /trpc response, readable by a browser app', async () => {
    for (const path of ['/trpc/user.me', '/trpc/auth.login', '/trpc/no.such.procedure']) {
      const res = await fetch(`${server.url}${path}`, { headers: { origin: APP } });
      expect(res.headers.get('x-trpc-max-batch-size'), path).toBe(String(SERVER_CAP));
      expect(res.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-trpc-max-batch-size');
    }
  });

  it(`once a response has told the cap, ${PARALLEL_CALLS} parallel calls go out in batches of at most ${SERVER_CAP}, none refused`, async () => {
    const { fetch, statuses, log } = observedFetch();
    const client = createApiClient({ url: server.url, fetch });
    const user = await client.register(newCredentials('batch'));
    const results = await parallelQueries(client);
    expect(results).toEqual(Array.from({ length: PARALLEL_CALLS }, () => user));
    const batches = log.requests.filter((request) => request.procedures.includes('user.me'));
    expect(batches.map((request) => request.procedures.length)).toEqual([3, 3, 3, 1]);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it(`${PARALLEL_CALLS} parallel calls as a new client's very first requests all succeed`, async () => {
    const pair = await registeredPair();
    const { fetch, statuses, log } = observedFetch();
    const client = createApiClient({ url: server.url, fetch, storage: memorySessionStore(pair) });
    expect(await parallelQueries(client)).toHaveLength(PARALLEL_CALLS);
    expect(log.calls('user.me')).toBe(PARALLEL_CALLS);
    expect(Math.max(...log.requests.map((request) => request.procedures.length))).toBeLessThanOrEqual(SERVER_CAP);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it('a maxBatchSize above the server’s cap is lowered to it; one below it is kept', async () => {
    const pair = await registeredPair();
    for (const [chosen, expected] of [
      [8, SERVER_CAP],
      [2, 2],
    ] as const) {
      const { fetch, statuses, log } = observedFetch();
      const client = createApiClient({
        url: server.url,
        fetch,
        storage: memorySessionStore(pair),
        maxBatchSize: chosen,
      });
      await client.trpc.user.me.query();
      await parallelQueries(client);
      const sizes = log.requests.slice(1).map((request) => request.procedures.length);
      expect(Math.max(...sizes), `maxBatchSize ${chosen}`).toBe(expected);
      expect(statuses.every((status) => status === 200)).toBe(true);
    }
  });

  it('refuses a maxBatchSize that is not a whole number of at least 1', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => createApiClient({ url: server.url, maxBatchSize: bad }), String(bad)).toThrow(RangeError);
    }
  });
});
