import type { AppRouter, Credentials, MfaMethod, PublicUser } from '@repo/api';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import type { inferRouterInputs } from '@trpc/server';
import { isSessionExpiredError, isUnauthorized, type SessionExpiredError } from './errors.js';
import { authLink, batchSize, bearerBatchLink, type FetchLike } from './links.js';
import { createSessionManager, type Session, type SessionListener } from './session.js';
import { memorySessionStore, type SessionStore, type StorageLike, tabSharedMemoryStore } from './stores.js';

type HeadersOption = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

export interface ApiClientOptions {
  /** The server's base URL, such as `https://api.example.com`; the client calls `<url>/trpc`. */
  url: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /**
   * `'bearer'` (the default; Node, scripts, native apps): both tokens come in
   * response bodies and live in `storage`. `'cookie'` (browser apps): the
   * refresh token lives in an HttpOnly cookie no script can read, the access
   * token in this page's memory only; the client resumes the session by
   * cookie when it starts, and tabs stay in step (BroadcastChannel, Web Locks).
   */
  session?: 'bearer' | 'cookie';
  /** Bearer mode: where the session lives. Default: in memory (gone on reload); see `localStorageSessionStore()`. */
  storage?: SessionStore;
  /**
   * Cookie mode: where a flag that this origin holds a session is kept (only
   * "1", never a token), so a signed-out page load asks the server nothing
   * and gets no 401. Default: the page's `localStorage` in a browser, none
   * elsewhere (the client then asks at every start); `null` turns it off.
   */
  sessionHint?: StorageLike | null;
  /** How long before the access token expires the client renews it. Default 30 000 ms. */
  refreshLeewayMs?: number;
  /**
   * Called once when the session ends without `logout()`: revoked, expired,
   * or signed out everywhere. The calls that needed it fail with the error.
   */
  onSessionExpired?: (error: SessionExpiredError) => void;
  /** Extra headers for every request (never `authorization`, which the client sets). */
  headers?: HeadersOption;
  /**
   * At most this many calls per batch request. Default: the cap the server
   * publishes in `X-Trpc-Max-Batch-Size` (one call per request until a
   * response has told it); a higher value is lowered to the server's cap.
   */
  maxBatchSize?: number;
}

/**
 * What `login()` resolves to: signed in, or (an account with a second factor)
 * the code step, to finish with `verifyMfa()`.
 */
export type LoginResult =
  | { mfaRequired: false; user: PublicUser }
  | { mfaRequired: true; mfaToken: string; methods: MfaMethod[] };

/** The second step of a sign-in: the `mfaToken` of `login()` and a code of the authenticator app, or a recovery code. */
export type MfaAnswer = { mfaToken: string } & ({ code: string } | { recoveryCode: string });

export interface ApiClient {
  /** The typed tRPC client: `await client.trpc.user.me.query()`. */
  trpc: TRPCClient<AppRouter>;
  /** Creates an account and signs in with it. */
  register(credentials: Credentials): Promise<PublicUser>;
  /** Signs in, or answers `{ mfaRequired: true, … }` when the account asks for a second factor. */
  login(credentials: Credentials): Promise<LoginResult>;
  /** Finishes a sign-in that asked for a second factor. */
  verifyMfa(answer: MfaAnswer): Promise<PublicUser>;
  /**
   * Signs in with a passkey: the challenge of `trpc.auth.passkeyOptions` and
   * the authenticator's answer to it (e.g. `startAuthentication()` of
   * @simplewebauthn/browser, which this client does not bundle).
   */
  loginWithPasskey(input: PasskeyLoginInput): Promise<PublicUser>;
  /**
   * Finishes a sign-in with an identity provider: the one-time code of the
   * app's `#/signed-in?code=…` (60 seconds, once) becomes this client's session.
   */
  exchangeOidcCode(code: string): Promise<PublicUser>;
  /**
   * Ends this session on the server and forgets it here. The local session is
   * gone even when this rejects (the server could not be reached).
   */
  logout(): Promise<void>;
  /** Ends every session of the user; resolves to how many. Forgets the session here, like `logout()`. */
  logoutAll(): Promise<number>;
  session: {
    /** The current session, or null; the same object until it changes (fit for `useSyncExternalStore`). */
    get(): Session | null;
    readonly user: PublicUser | null;
    readonly isSignedIn: boolean;
    /** Calls `listener` on sign-in, renewal and sign-out; returns the unsubscribe function. */
    subscribe(listener: SessionListener): () => void;
    /**
     * Re-reads the store (an async store at start-up, or after another tab
     * changed it); in cookie mode, resolves once the session resumed by cookie
     * at start-up is known.
     */
    load(): Promise<Session | null>;
  };
}

/** What `auth.passkeyLogin` takes: `{ challengeId, response }`. */
export type PasskeyLoginInput = inferRouterInputs<AppRouter>['auth']['passkeyLogin'];

const DEFAULT_REFRESH_LEEWAY_MS = 30_000;

/** The tRPC client of the auth API, holding the login session and renewing its token. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  // '' (or '/') is the page's own origin: the API behind the same host as the app.
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const isCookieMode = options.session === 'cookie';
  if (isCookieMode && options.storage) {
    throw new Error("createApiClient: no `storage` in cookie mode (session: 'cookie' keeps no token in any storage)");
  }
  const headers = async () => ({
    ...(typeof options.headers === 'function' ? await options.headers() : options.headers),
    // API.md's opt-in header (a literal: the client imports nothing of @repo/api at run time).
    ...(isCookieMode ? { 'x-session-mode': 'cookie' } : {}),
  });
  // Cookie mode: the browser sends and stores the cookie on the API's origin too (CORS with credentials).
  const fetch: FetchLike | undefined = isCookieMode
    ? (input, init) => (options.fetch ?? globalThis.fetch)(input, { ...init, credentials: 'include' })
    : options.fetch;

  // Every response, renewals included, tells the server's batch cap.
  const batching = batchSize(options.maxBatchSize, fetch);

  // Renewal has a client of its own, outside the auth link, so it can never recurse into itself.
  const renewalClient = createTRPCClient<AppRouter>({
    links: [httpLink({ url, fetch: batching.fetch, headers })],
  });
  const sessions = createSessionManager({
    store: isCookieMode
      ? tabSharedMemoryStore(`repo-client:${url}`, { hint: options.sessionHint })
      : (options.storage ?? memorySessionStore()),
    refreshLeewayMs: options.refreshLeewayMs ?? DEFAULT_REFRESH_LEEWAY_MS,
    // Cookie mode sends no refreshToken: the server reads the cookie.
    refresh: (current) =>
      renewalClient.auth.refresh.mutate(isCookieMode ? {} : { refreshToken: current?.refreshToken }),
    onSessionExpired: options.onSessionExpired,
    resumesByCookie: isCookieMode,
  });
  sessions.start();

  const trpc = createTRPCClient<AppRouter>({
    links: [authLink(sessions), bearerBatchLink({ url, batchSize: batching, headers })],
  });

  /** Runs a sign-out call; a session the server says is already gone counts as signed out. */
  async function signOut<T>(call: () => Promise<T>, whenGone: T): Promise<T> {
    return sessions.signingOut(async () => {
      if (!(await sessions.read())) return whenGone;
      try {
        return await call();
      } catch (error) {
        if (isSessionExpiredError(error) || isUnauthorized(error)) return whenGone;
        throw error;
      } finally {
        await sessions.clear();
      }
    });
  }

  return {
    trpc,
    async register(credentials) {
      const pair = await trpc.auth.register.mutate(credentials);
      await sessions.save(pair);
      return pair.user;
    },
    async login(credentials) {
      const result = await trpc.auth.login.mutate(credentials);
      if ('mfaRequired' in result) return result;
      await sessions.save(result);
      return { mfaRequired: false, user: result.user };
    },
    async verifyMfa(answer) {
      const pair = await trpc.auth.verifyMfa.mutate(answer);
      await sessions.save(pair);
      return pair.user;
    },
    async loginWithPasskey(input) {
      const pair = await trpc.auth.passkeyLogin.mutate(input);
      await sessions.save(pair);
      return pair.user;
    },
    async exchangeOidcCode(code) {
      const pair = await trpc.auth.oidcExchange.mutate({ code });
      await sessions.save(pair);
      return pair.user;
    },
    logout: () =>
      signOut(async () => {
        await trpc.auth.logout.mutate();
      }, undefined),
    logoutAll: () => signOut(async () => (await trpc.auth.logoutAll.mutate()).revokedSessions, 0),
    session: {
      get: sessions.get,
      get user() {
        return sessions.get()?.user ?? null;
      },
      get isSignedIn() {
        return sessions.get() !== null;
      },
      subscribe: sessions.subscribe,
      load: async () => {
        await sessions.ready();
        await sessions.read();
        return sessions.get();
      },
    },
  };
}
