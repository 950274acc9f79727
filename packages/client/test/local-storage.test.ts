import type { TokenPair } from '@repo/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type LockManagerLike, localStorageSessionStore, type StorageLike } from '../src/index.js';
import { newCredentials, outwait, recordingFetch, startServer, type TestServer } from './helpers.js';

/** An in-memory stand-in for `window.localStorage`, shared by the "tabs" of a test. */
class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** A stand-in for `navigator.locks`: one holder per name at a time, in request order. */
function memoryLocks(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request<T>(name: string, callback: (lock: unknown) => Promise<T>): Promise<T> {
      const previous = tails.get(name) ?? Promise.resolve();
      const run = previous.then(() => callback({ name }));
      tails.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    },
  };
}

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

const samplePair: TokenPair = {
  accessToken: 'a.b.c',
  refreshToken: 'd.e.f',
  tokenType: 'Bearer',
  expiresAt: 1_800_000_000_000,
  refreshExpiresAt: 1_900_000_000_000,
  user: { id: 'u1', username: 'alice', role: 'user', createdAt: '2026-11-26T10:00:00.000Z' },
};

// Concurrent: each test has its own storage and account; two wait out a 4 s token.
describe.concurrent('the localStorage session store', () => {
  it('round-trips a token pair as JSON under its key, and clear removes it', async () => {
    const storage = new MemoryStorage();
    const store = localStorageSessionStore({ storage, key: 'app.session' });
    expect(await store.load()).toBeNull();

    await store.save(samplePair);
    expect(JSON.parse(storage.getItem('app.session') ?? 'null')).toEqual(samplePair);
    expect(await store.load()).toEqual(samplePair);

    await store.clear();
    expect(storage.items.size).toBe(0);
    expect(await store.load()).toBeNull();
  });

  it('treats an unreadable stored value as signed out and removes it', async () => {
    const storage = new MemoryStorage();
    const store = localStorageSessionStore({ storage });
    for (const junk of ['not json', '42', JSON.stringify({ ...samplePair, accessToken: 7 })]) {
      storage.setItem('repo-client.session', junk);
      expect(await store.load()).toBeNull();
      expect(storage.items.size).toBe(0);
    }
  });

  it('a client created on a stored session is signed in at once, as after a page reload', async () => {
    // Tokens of a minute: with the suite's 4 s ones, a machine slow enough to take 2 s between
    // the sign-up and the call would rightly renew first (the leeway is half the lifetime).
    const longLived = await startServer(60_000);
    try {
      const storage = new MemoryStorage();
      const before = createApiClient({ url: longLived.url, storage: localStorageSessionStore({ storage }) });
      const user = await before.register(newCredentials());

      const log = recordingFetch();
      const reloaded = createApiClient({
        url: longLived.url,
        fetch: log.fetch,
        storage: localStorageSessionStore({ storage }),
      });

      expect(reloaded.session.isSignedIn).toBe(true);
      expect(reloaded.session.user).toEqual(user);
      expect(await reloaded.trpc.user.me.query()).toMatchObject(user);
      expect(log.requests.map((r) => r.procedures)).toEqual([['user.me']]);
    } finally {
      await longLived.close();
    }
  });

  it('a tab uses the pair another tab renewed instead of renewing again', async () => {
    const storage = new MemoryStorage();
    const log = recordingFetch();
    const options = { url: server.url, fetch: log.fetch };
    const tabA = createApiClient({ ...options, storage: localStorageSessionStore({ storage, locks: null }) });
    const user = await tabA.register(newCredentials());
    const tabB = createApiClient({ ...options, storage: localStorageSessionStore({ storage, locks: null }) });
    const first = tabB.session.get();
    await outwait(first?.expiresAt ?? 0);

    await tabA.trpc.user.me.query();
    expect(log.calls('auth.refresh')).toBe(1);
    expect(await tabB.trpc.user.me.query()).toMatchObject(user);

    expect(log.calls('auth.refresh')).toBe(1);
    expect(tabB.session.get()?.expiresAt).toBeGreaterThan(first?.expiresAt ?? Number.POSITIVE_INFINITY);
  });

  it('with a shared lock (navigator.locks), two tabs renewing at the same moment make one auth.refresh request', async () => {
    const storage = new MemoryStorage();
    const locks = memoryLocks();
    const log = recordingFetch();
    const tab = () =>
      createApiClient({ url: server.url, fetch: log.fetch, storage: localStorageSessionStore({ storage, locks }) });
    const tabA = tab();
    const user = await tabA.register(newCredentials());
    const tabB = tab();
    await outwait(tabA.session.get()?.expiresAt ?? 0);

    const users = await Promise.all([tabA.trpc.user.me.query(), tabB.trpc.user.me.query()]);

    expect(users).toMatchObject([user, user]);
    expect(log.calls('auth.refresh')).toBe(1);
  });
});
