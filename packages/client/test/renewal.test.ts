import type { TokenPairResponse as TokenPair } from '@repo/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiClient, memorySessionStore, SessionExpiredError, type SessionStore } from '../src/index.js';
import {
  failureOf,
  type Intercept,
  newCredentials,
  outwait,
  recordingFetch,
  sleep,
  startServer,
  type TestServer,
} from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

async function storedPair(storage: SessionStore): Promise<TokenPair> {
  const pair = await storage.load();
  if (!pair) throw new Error('expected a stored session');
  return pair;
}

/** A signed-in client whose requests are recorded. */
async function signedInClient(options: { refreshLeewayMs?: number; intercept?: Intercept; url?: string } = {}) {
  const log = recordingFetch(options.intercept);
  const storage = memorySessionStore();
  const onSessionExpired = vi.fn();
  const credentials = newCredentials();
  const client = createApiClient({
    url: options.url ?? server.url,
    fetch: log.fetch,
    storage,
    onSessionExpired,
    ...(options.refreshLeewayMs !== undefined ? { refreshLeewayMs: options.refreshLeewayMs } : {}),
  });
  await client.register(credentials);
  return { client, log, storage, onSessionExpired, credentials, pair: await storedPair(storage) };
}

// Concurrent: each test has its own account and client, and most wait out a 4 s token.
describe.concurrent('renewing the access token', () => {
  it('20 concurrent calls after the token expired make exactly one auth.refresh request, and all 20 succeed', async () => {
    const { client, log, storage, pair } = await signedInClient();
    await outwait(pair.expiresAt);

    const users = await Promise.all(Array.from({ length: 20 }, () => client.trpc.user.me.query()));

    expect(users).toMatchObject(Array.from({ length: 20 }, () => pair.user));
    expect(log.calls('auth.refresh')).toBe(1);
    // Each call went out once, with the renewed token: none was refused and retried.
    const renewed = await storedPair(storage);
    expect(renewed.accessToken).not.toBe(pair.accessToken);
    expect(log.authorizationsOf('user.me')).toEqual(
      Array.from({ length: log.authorizationsOf('user.me').length }, () => `Bearer ${renewed.accessToken}`),
    );
    expect(log.calls('user.me')).toBe(20);
  });

  it('renews once before expiry when the token expires within refreshLeewayMs, then not again', async () => {
    const { client, log, storage, pair } = await signedInClient({ refreshLeewayMs: 1500 });
    await client.trpc.user.me.query();
    expect(log.calls('auth.refresh')).toBe(0);

    // 1 s of validity left: within the 1.5 s leeway, so the call renews first.
    await sleep(pair.expiresAt - 1000 - Date.now());
    await client.trpc.user.me.query();
    expect(log.calls('auth.refresh')).toBe(1);
    const renewed = await storedPair(storage);
    expect(log.authorizationsOf('user.me')).toEqual([`Bearer ${pair.accessToken}`, `Bearer ${renewed.accessToken}`]);

    for (let i = 0; i < 5; i += 1) await client.trpc.user.me.query();
    expect(log.calls('auth.refresh')).toBe(1);
  });

  it('caps the leeway at half the token lifetime, so the 30 s default does not renew 10 s tokens on every call', async () => {
    // Tokens of 10 s, on a server of their own: the calls below fall within the first half of the
    // lifetime (5 s) however slowly the machine registers, and the 30 s default would renew each.
    const shortLived = await startServer(10_000);
    try {
      const { client, log, pair } = await signedInClient({ url: shortLived.url });
      for (let i = 0; i < 5; i += 1) await client.trpc.user.me.query();
      expect(log.calls('auth.refresh')).toBe(0);

      await sleep(pair.expiresAt - 1000 - Date.now());
      await client.trpc.user.me.query();
      await client.trpc.user.me.query();
      expect(log.calls('auth.refresh')).toBe(1);
    } finally {
      await shortLived.close();
    }
  }, 60_000);

  it('a call refused with 401 although the stored expiry says valid renews once and is retried once', async () => {
    // A client clock running behind the server's: the token has expired, but not by the stored expiresAt.
    const { client, log, storage, pair } = await signedInClient();
    await outwait(pair.expiresAt);
    await storage.save({ ...pair, expiresAt: Date.now() + 3_600_000 });

    expect(await client.trpc.user.me.query()).toMatchObject(pair.user);

    const renewed = await storedPair(storage);
    expect(log.calls('auth.refresh')).toBe(1);
    expect(log.authorizationsOf('user.me')).toEqual([`Bearer ${pair.accessToken}`, `Bearer ${renewed.accessToken}`]);
  });

  it('a call still refused after renewing is retried only once and fails with UNAUTHORIZED, keeping the session', async () => {
    // A proxy that drops Authorization on user.me: the server refuses every such call.
    const { client, log, onSessionExpired } = await signedInClient({
      intercept: (request, input, init) => {
        if (!request.procedures.includes('user.me')) return undefined;
        const headers = new Headers(init?.headers);
        headers.delete('authorization');
        return fetch(input, { ...init, headers });
      },
    });

    const error = await failureOf(client.trpc.user.me.query());

    expect(error).not.toBeInstanceOf(SessionExpiredError);
    expect(log.calls('user.me')).toBe(2);
    expect(log.calls('auth.refresh')).toBe(1);
    expect(onSessionExpired).not.toHaveBeenCalled();
    expect(client.session.isSignedIn).toBe(true);
  });

  it('a session revoked elsewhere (logoutAll on another client) ends here: one renewal attempt, onSessionExpired once, typed error, storage cleared', async () => {
    const { client, log, storage, onSessionExpired, credentials } = await signedInClient();
    const seen = vi.fn();
    client.session.subscribe(seen);
    const elsewhere = createApiClient({ url: server.url });
    await elsewhere.login(credentials);
    expect(await elsewhere.logoutAll()).toBe(2);

    const errors = await Promise.all(Array.from({ length: 5 }, () => failureOf(client.trpc.user.me.query())));

    for (const error of errors) {
      expect(error).toBeInstanceOf(SessionExpiredError);
      expect(error.data?.code).toBe('UNAUTHORIZED');
    }
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(onSessionExpired).toHaveBeenCalledWith(expect.any(SessionExpiredError));
    expect(log.calls('auth.refresh')).toBe(1);
    expect(log.calls('user.me')).toBe(5);
    expect(await storage.load()).toBeNull();
    expect(client.session.get()).toBeNull();
    expect(seen).toHaveBeenCalledExactlyOnceWith(null);

    // Signed out now: the next call goes out without a token and renews nothing.
    const later = await failureOf(client.trpc.user.me.query());
    expect(later).not.toBeInstanceOf(SessionExpiredError);
    expect(later.data?.code).toBe('UNAUTHORIZED');
    expect(log.authorizationsOf('user.me').at(-1)).toBeNull();
    expect(log.calls('auth.refresh')).toBe(1);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('an expired token whose renewal is refused fails every waiting call with SessionExpiredError after one request', async () => {
    const { client, log, storage, onSessionExpired, pair } = await signedInClient();
    // Someone else rotated the refresh token (say, a thief): the stored one is retired.
    expect((await server.rest('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } })).status).toBe(
      200,
    );
    await outwait(pair.expiresAt);

    const errors = await Promise.all(Array.from({ length: 3 }, () => failureOf(client.trpc.user.me.query())));

    expect(errors.every((error) => error instanceof SessionExpiredError)).toBe(true);
    expect(log.calls('auth.refresh')).toBe(1);
    expect(log.calls('user.me')).toBe(0);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(await storage.load()).toBeNull();
  });

  it('a renewal that fails for a network reason fails the call but keeps the session for the next one', async () => {
    let isNetworkDown = true;
    const { client, log, onSessionExpired, pair } = await signedInClient({
      intercept: (request) =>
        request.procedures.includes('auth.refresh') && isNetworkDown
          ? Promise.reject(new TypeError('fetch failed'))
          : undefined,
    });
    await outwait(pair.expiresAt);

    const error = await failureOf(client.trpc.user.me.query());
    expect(error).not.toBeInstanceOf(SessionExpiredError);
    expect(client.session.isSignedIn).toBe(true);
    expect(onSessionExpired).not.toHaveBeenCalled();

    isNetworkDown = false;
    expect(await client.trpc.user.me.query()).toMatchObject(pair.user);
    expect(log.calls('auth.refresh')).toBe(2);
  });

  it('auth.register, auth.login and auth.refresh never carry a token nor renew one', async () => {
    const { client, log, pair, credentials } = await signedInClient();
    await outwait(pair.expiresAt);

    await client.trpc.auth.login.mutate(credentials);
    await client.trpc.auth.register.mutate(newCredentials());

    expect(log.authorizationsOf('auth.login')).toEqual([null]);
    expect(log.authorizationsOf('auth.register')).toEqual([null, null]);
    expect(log.calls('auth.refresh')).toBe(0);
  });
});
