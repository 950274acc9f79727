/**
 * `session: 'cookie'` against the real API, with a cookie jar standing in for
 * the browser's. Two clients on one jar are two tabs of one browser: they
 * share the cookie, a BroadcastChannel and Web Locks, as tabs do (Node has
 * all three). Sequential: every client of the API's URL listens on one channel.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiClient, type FetchLike, memorySessionStore, type StorageLike } from '../src/index.js';
import { newCredentials, outwait, type RequestLog, recordingFetch, startServer, type TestServer } from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

const COOKIE_NAME = '__Host-refresh_token';

/** A browser's cookie jar for the API's origin: sends its cookies, keeps what Set-Cookie says. */
function browser() {
  const cookies = new Map<string, string>();
  const log: RequestLog = recordingFetch();
  const credentialModes: RequestInit['credentials'][] = [];
  const fetch: FetchLike = async (input, init) => {
    credentialModes.push(init?.credentials);
    const headers = new Headers(init?.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const res = await log.fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (attributes.some((a) => a.trim() === 'Max-Age=0')) cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  const bodies: string[] = [];
  const recordingBodies: FetchLike = async (input, init) => {
    const res = await fetch(input, init);
    bodies.push(await res.clone().text());
    return res;
  };
  return {
    cookies,
    /** This browser's fetch (its cookies), for a client of a test's own making. */
    fetch,
    log,
    credentialModes,
    bodies,
    /** A tab: a cookie-mode client of this browser. */
    tab(onSessionExpired = vi.fn(), options: { sessionHint?: StorageLike } = {}) {
      const client = createApiClient({
        url: server.url,
        session: 'cookie',
        fetch: recordingBodies,
        onSessionExpired,
        ...options,
      });
      return { client, onSessionExpired };
    },
  };
}

describe("createApiClient({ session: 'cookie' })", () => {
  it('signs in with the refresh token only in the cookie: no body carries it, every request says cookie mode and includes credentials', async () => {
    const chrome = browser();
    const { client } = chrome.tab();
    const credentials = newCredentials('ck');
    const user = await client.register(credentials);
    expect(user.username).toBe(credentials.username);
    expect(await client.trpc.user.me.query()).toMatchObject({ username: credentials.username });

    const cookie = chrome.cookies.get(COOKIE_NAME);
    expect(cookie?.split('.')).toHaveLength(3);
    for (const body of chrome.bodies) {
      expect(body).not.toContain('refreshToken');
      expect(body).not.toContain(cookie);
    }
    expect(chrome.log.requests.every((r) => r.headers.get('x-session-mode') === 'cookie')).toBe(true);
    expect(chrome.credentialModes.every((mode) => mode === 'include')).toBe(true);
    expect(client.session.get()).not.toHaveProperty('refreshToken');
  });

  it('a new client (a reload) resumes the session by one refresh on the cookie', async () => {
    const chrome = browser();
    const credentials = newCredentials('reload');
    await chrome.tab().client.register(credentials);
    const before = chrome.cookies.get(COOKIE_NAME);
    const refreshesBefore = chrome.log.calls('auth.refresh');

    const { client, onSessionExpired } = chrome.tab();
    const session = await client.session.load();
    expect(session?.user.username).toBe(credentials.username);
    expect(await client.trpc.user.me.query()).toMatchObject({ username: credentials.username });
    expect(chrome.log.calls('auth.refresh') - refreshesBefore).toBe(1);
    // Rotated: the browser holds the new cookie.
    expect(chrome.cookies.get(COOKIE_NAME)).not.toBe(before);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it("with a session hint (a browser's localStorage), a signed-out load asks the server nothing; a signed-in one resumes", async () => {
    const chrome = browser();
    const storage = new Map<string, string>();
    const sessionHint: StorageLike = {
      getItem: (key) => storage.get(key) ?? null,
      setItem: (key, value) => void storage.set(key, value),
      removeItem: (key) => void storage.delete(key),
    };
    const load = async () => {
      const before = chrome.log.calls('auth.refresh');
      const { client } = chrome.tab(vi.fn(), { sessionHint });
      await client.session.load();
      return { client, refreshes: chrome.log.calls('auth.refresh') - before };
    };
    // Never signed in: no request, no 401.
    expect((await load()).refreshes).toBe(0);
    const credentials = newCredentials('hinted');
    const signedIn = (await load()).client;
    await signedIn.register(credentials);
    expect([...storage.values()]).toEqual(['1']);
    // A reload resumes by one refresh.
    const reloaded = await load();
    expect(reloaded.refreshes).toBe(1);
    expect(reloaded.client.session.user?.username).toBe(credentials.username);
    // Signed out: the next load asks nothing again.
    await reloaded.client.logout();
    expect(storage.size).toBe(0);
    expect((await load()).refreshes).toBe(0);

    // A cookie that died meanwhile: one 401, and the hint is gone with it.
    await (await load()).client.login(credentials);
    chrome.cookies.clear();
    const dead = await load();
    expect(dead.refreshes).toBe(1);
    expect(dead.client.session.isSignedIn).toBe(false);
    expect(storage.size).toBe(0);
    expect((await load()).refreshes).toBe(0);
  });

  it('starts signed out without a cookie, quietly: no onSessionExpired', async () => {
    const chrome = browser();
    const { client, onSessionExpired } = chrome.tab();
    expect(await client.session.load()).toBeNull();
    expect(client.session.isSignedIn).toBe(false);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('renews an expired access token by cookie once for 10 concurrent calls', async () => {
    const chrome = browser();
    const { client } = chrome.tab();
    // Every client starts with one refresh by cookie (here: none yet, so signed out).
    await client.session.load();
    expect(chrome.log.calls('auth.refresh')).toBe(1);
    await client.register(newCredentials('conc'));
    const first = client.session.get();
    await outwait(first?.expiresAt ?? 0);

    const users = await Promise.all(Array.from({ length: 10 }, () => client.trpc.user.me.query()));
    expect(users).toHaveLength(10);
    expect(chrome.log.calls('auth.refresh')).toBe(2);
    expect(client.session.get()?.expiresAt).toBeGreaterThan(first?.expiresAt ?? 0);
  });

  // The tabs take turns through the Web Locks API, as in a browser: Node 26 has
  // `navigator.locks`, Node 22 (our floor) has not, so there it has nothing to test.
  it.skipIf(!(globalThis.navigator as { locks?: unknown } | undefined)?.locks)(
    'two tabs renewing at once never present one cookie twice: both stay signed in',
    async () => {
      const chrome = browser();
      const a = chrome.tab();
      await a.client.register(newCredentials('tabs'));
      const b = chrome.tab();
      await b.client.session.load();
      await outwait(Math.max(a.client.session.get()?.expiresAt ?? 0, b.client.session.get()?.expiresAt ?? 0));

      await Promise.all([a.client.trpc.user.me.query(), b.client.trpc.user.me.query()]);
      await Promise.all([a.client.trpc.user.me.query(), b.client.trpc.user.me.query()]);
      expect(a.client.session.isSignedIn && b.client.session.isSignedIn).toBe(true);
      expect(a.onSessionExpired).not.toHaveBeenCalled();
      expect(b.onSessionExpired).not.toHaveBeenCalled();
      // The cookie the browser holds still refreshes (no reuse was detected).
      const c = chrome.tab();
      expect(await c.client.session.load()).not.toBeNull();
    },
  );

  it('signing out in one tab signs the other out, and the browser no longer holds the cookie', async () => {
    const chrome = browser();
    const a = chrome.tab();
    const b = chrome.tab();
    await a.client.register(newCredentials('out'));
    await vi.waitFor(() => expect(b.client.session.isSignedIn).toBe(true));

    await a.client.logout();
    expect(chrome.cookies.has(COOKIE_NAME)).toBe(false);
    await vi.waitFor(() => expect(b.client.session.isSignedIn).toBe(false));
    expect(b.onSessionExpired).not.toHaveBeenCalled();
  });

  it('a session revoked elsewhere ends at the next renewal: onSessionExpired once, and the server clears the cookie', async () => {
    const chrome = browser();
    const { client, onSessionExpired } = chrome.tab();
    const credentials = newCredentials('revoked');
    await client.register(credentials);
    // Another device signs out everywhere.
    const other = await server.rest('POST', '/api/auth/login', { body: credentials });
    const { accessToken } = (await other.json()) as { accessToken: string };
    expect((await server.rest('POST', '/api/auth/logout-all', { token: accessToken })).status).toBe(200);

    await expect(client.trpc.user.me.query()).rejects.toMatchObject({ name: 'SessionExpiredError' });
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(client.session.isSignedIn).toBe(false);
    expect(chrome.cookies.has(COOKIE_NAME)).toBe(false);
  });

  it('refuses a storage: cookie mode keeps no token in any', () => {
    expect(() => createApiClient({ url: server.url, session: 'cookie', storage: memorySessionStore() })).toThrow(
      /no `storage` in cookie mode/,
    );
  });
});

describe('cookie mode when the server is out of reach at start-up', () => {
  it('starts signed out, and the next load() asks again and resumes the session', async () => {
    const chrome = browser();
    await chrome.tab().client.register(newCredentials('offline'));
    let isOffline = true;
    const flaky: FetchLike = (input, init) =>
      isOffline ? Promise.reject(new TypeError('fetch failed')) : chrome.fetch(input, init);
    const client = createApiClient({ url: server.url, session: 'cookie', fetch: flaky });
    expect(await client.session.load()).toBeNull();
    isOffline = false;
    expect((await client.session.load())?.user.username).toMatch(/^offline_/);
  });
});
