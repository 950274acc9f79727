import type { TokenPair } from '@repo/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiClient, memorySessionStore, type Session, SessionExpiredError } from '../src/index.js';
import { failureOf, newCredentials, recordingFetch, startServer, type TestServer } from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

describe('signing in and out', () => {
  it('register, then login on another client, then user.me returns the signed-in user', async () => {
    const credentials = newCredentials();
    const first = createApiClient({ url: server.url });
    const registered = await first.register(credentials);
    expect(registered).toMatchObject({ username: credentials.username, role: 'user' });
    expect(first.session.isSignedIn).toBe(true);

    const log = recordingFetch();
    const second = createApiClient({ url: server.url, fetch: log.fetch });
    expect(second.session.get()).toBeNull();
    const signedIn = await second.login(credentials);
    expect(signedIn).toEqual({ mfaRequired: false, user: registered });
    expect(second.session.user).toEqual(registered);
    expect(second.session.get()?.expiresAt).toBeGreaterThan(Date.now());
    expect(await second.trpc.user.me.query()).toEqual({
      ...registered,
      email: null,
      emailVerified: false,
      pendingEmail: null,
    });

    // Login goes out without a token; user.me carries the session's.
    expect(log.authorizationsOf('auth.login')).toEqual([null]);
    expect(log.authorizationsOf('user.me')).toEqual([expect.stringMatching(/^Bearer \S+$/)]);
  });

  it('calls made while signed out go out without Authorization and fail with UNAUTHORIZED, renewing nothing', async () => {
    const log = recordingFetch();
    const onSessionExpired = vi.fn();
    const client = createApiClient({ url: server.url, fetch: log.fetch, onSessionExpired });
    const error = await failureOf(client.trpc.user.me.query());
    expect(error.data?.code).toBe('UNAUTHORIZED');
    expect(log.authorizationsOf('user.me')).toEqual([null]);
    expect(log.calls('auth.refresh')).toBe(0);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('logout ends the session on the server, clears the storage and tells subscribers', async () => {
    const storage = memorySessionStore();
    const onSessionExpired = vi.fn();
    const client = createApiClient({ url: server.url, storage, onSessionExpired });
    await client.register(newCredentials());
    const pair = (await storage.load()) as TokenPair;
    const seen: (Session | null)[] = [];
    client.session.subscribe((session) => seen.push(session));

    await client.logout();

    expect(await storage.load()).toBeNull();
    expect(client.session.get()).toBeNull();
    expect(client.session.isSignedIn).toBe(false);
    expect(seen).toEqual([null]);
    expect(onSessionExpired).not.toHaveBeenCalled();
    expect((await server.rest('GET', '/api/users/me', { token: pair.accessToken })).status).toBe(401);
  });

  it('logout resolves and clears the storage when the server says the session is already gone', async () => {
    const storage = memorySessionStore();
    const onSessionExpired = vi.fn();
    const client = createApiClient({ url: server.url, storage, onSessionExpired });
    await client.register(newCredentials());
    const pair = (await storage.load()) as TokenPair;
    expect((await server.rest('POST', '/api/auth/logout', { token: pair.accessToken })).status).toBe(200);

    await expect(client.logout()).resolves.toBeUndefined();
    expect(await storage.load()).toBeNull();
    expect(client.session.get()).toBeNull();
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('logoutAll ends every session of the user, including those of other clients', async () => {
    const credentials = newCredentials();
    const here = createApiClient({ url: server.url });
    const elsewhere = createApiClient({ url: server.url });
    await here.register(credentials);
    await elsewhere.login(credentials);

    expect(await here.logoutAll()).toBe(2);
    expect(here.session.get()).toBeNull();
    // The other client learns it on its next call (tested in detail in renewal.test.ts).
    await expect(elsewhere.trpc.user.me.query()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(elsewhere.session.get()).toBeNull();
  });

  it('session.get returns the same object until the session changes, as useSyncExternalStore needs', async () => {
    const client = createApiClient({ url: server.url });
    const listener = vi.fn();
    const unsubscribe = client.session.subscribe(listener);
    await client.register(newCredentials());
    const signedIn = client.session.get();
    expect(signedIn).not.toBeNull();
    await client.trpc.user.me.query();
    expect(client.session.get()).toBe(signedIn);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenLastCalledWith(signedIn);

    unsubscribe();
    await client.logout();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('headers from the options go out on every request, next to the Authorization the client sets', async () => {
    const log = recordingFetch();
    let version = 1;
    const client = createApiClient({
      url: server.url,
      fetch: log.fetch,
      headers: async () => ({ 'x-app-version': String(version) }),
    });
    await client.register(newCredentials());
    version = 2;
    await client.trpc.user.me.query();

    expect(log.requests.map((r) => r.headers.get('x-app-version'))).toEqual(['1', '2']);
    expect(log.authorizationsOf('user.me')).toEqual([expect.stringMatching(/^Bearer /)]);
  });
});
