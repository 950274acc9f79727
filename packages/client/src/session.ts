import type { PublicUser, TokenPairResponse as TokenPair } from '@repo/api';
import { SessionExpiredError, toClientError } from './errors.js';
import type { SessionStore } from './stores.js';

/** What an app may know of the session: who is signed in and until when. Tokens stay inside the client. */
export interface Session {
  user: PublicUser;
  /** When the access token expires, ms since the epoch (the client renews before). */
  expiresAt: number;
  /** When the session ends unless renewed before, ms since the epoch. */
  refreshExpiresAt: number;
}

export type SessionListener = (session: Session | null) => void;

export interface SessionManagerOptions {
  store: SessionStore;
  refreshLeewayMs: number;
  /**
   * A new pair for `current` (`auth.refresh`, not through the auth link): by
   * its refresh token in bearer mode, by the cookie in cookie mode, where
   * `current` is null at start-up.
   */
  refresh(current: TokenPair | null): Promise<TokenPair>;
  onSessionExpired?: ((error: SessionExpiredError) => void) | undefined;
  /**
   * Cookie mode: the session is not in any store the page can read, so the
   * client asks for it (one refresh by cookie) when it starts.
   */
  resumesByCookie?: boolean;
}

export type SessionManager = ReturnType<typeof createSessionManager>;

/**
 * Owns the token pair: the snapshot apps read and subscribe to, the store,
 * and renewal, which is single-flight: however many calls need a new access
 * token at once, one `auth.refresh` request is made and all of them use its
 * result. (The server revokes a session whose retired refresh token comes
 * back, so two renewals with one token would sign the user out.)
 */
export function createSessionManager(options: SessionManagerOptions) {
  const { store } = options;
  let pair: TokenPair | null = null;
  let snapshot: Session | null = null;
  const listeners = new Set<SessionListener>();
  let renewal: Promise<TokenPair> | null = null;
  // While logout()/logoutAll() run, an ended session is what the user asked for, not news.
  let signingOut = 0;
  /** Settles once the session at start-up is known (at once, but for cookie mode's first refresh). */
  let ready: Promise<void> = Promise.resolve();
  /** Cookie mode: the start-up refresh did not reach a verdict (network, 5xx): the next call asks again. */
  let isResumeUnanswered = false;

  function adopt(next: TokenPair | null): void {
    if (next?.accessToken === pair?.accessToken && next?.refreshToken === pair?.refreshToken) return;
    pair = next;
    snapshot = next ? { user: next.user, expiresAt: next.expiresAt, refreshExpiresAt: next.refreshExpiresAt } : null;
    for (const listener of [...listeners]) listener(snapshot);
  }

  /** Re-reads the store, so a pair renewed or cleared by another tab is seen. */
  async function read(): Promise<TokenPair | null> {
    const stored = await store.load();
    adopt(stored);
    return stored;
  }

  function isDue(candidate: TokenPair): boolean {
    // At most half the token's lifetime: a leeway as long as the lifetime
    // (30 s against a 20 s ACCESS_TOKEN_TTL) would renew on every call.
    const lifetimeMs = lifetimeMsOf(candidate.accessToken);
    const leewayMs =
      lifetimeMs === undefined ? options.refreshLeewayMs : Math.min(options.refreshLeewayMs, lifetimeMs / 2);
    return Date.now() >= candidate.expiresAt - leewayMs;
  }

  async function expire(cause: unknown): Promise<never> {
    await store.clear();
    adopt(null);
    const error = new SessionExpiredError(toClientError(cause));
    if (signingOut === 0) options.onSessionExpired?.(error);
    throw error;
  }

  async function renewOnce(staleAccessToken: string): Promise<TokenPair> {
    const stored = await read();
    // Signed out meanwhile (logout here or in another tab): nothing to renew.
    if (!stored) throw new SessionExpiredError();
    // Renewed meanwhile (another tab, or a renewal that just finished): use it.
    if (stored.accessToken !== staleAccessToken && !isDue(stored)) return stored;
    let next: TokenPair;
    try {
      next = await options.refresh(stored);
    } catch (error) {
      // 401 (revoked, expired, retired) or 400 (a malformed token in storage): the session is over.
      // Anything else (network, 5xx) may pass: keep the session and fail this call only.
      const code = toClientError(error).data?.code;
      if (code === 'UNAUTHORIZED' || code === 'BAD_REQUEST') return expire(error);
      throw error;
    }
    const current = await read();
    if (current?.refreshToken !== stored.refreshToken || current?.accessToken !== stored.accessToken) {
      // Signed out (or in anew) while the request was out, here or in another tab: keep that.
      if (!current) throw new SessionExpiredError();
      return current;
    }
    await store.save(next);
    adopt(next);
    return next;
  }

  /**
   * A fresh pair in place of the one whose access token is `staleAccessToken`.
   * Joins the renewal under way, if any; rejects with SessionExpiredError
   * when the session is over.
   */
  function renew(staleAccessToken: string): Promise<TokenPair> {
    if (!renewal) {
      const task = () => renewOnce(staleAccessToken);
      renewal = (store.lock ? store.lock(task) : task()).finally(() => {
        renewal = null;
      });
    }
    return renewal;
  }

  /**
   * Cookie mode at start-up: one refresh by cookie, in turn with the other
   * tabs (the store's lock), unless another tab has just shared a fresh pair.
   * No session is no news: onSessionExpired is for sessions that end.
   */
  async function resume(): Promise<void> {
    const task = async () => {
      const current = await read();
      if (current && !isDue(current)) return;
      // No tab has signed in since the last sign-out: nothing to resume, and no 401 to ask for.
      if (!current && store.mayHaveSession?.() === false) {
        adopt(null);
        isResumeUnanswered = false;
        return;
      }
      try {
        const next = await options.refresh(null);
        await store.save(next);
        adopt(next);
        isResumeUnanswered = false;
      } catch (error) {
        // Signed out here, and in this tab alone (the cookie, if any, is the other tabs' too).
        adopt(null);
        // No cookie or a dead one (401) is an answer; an unreachable server is not: ask again later.
        const code = toClientError(error).data?.code;
        isResumeUnanswered = code !== 'UNAUTHORIZED' && code !== 'BAD_REQUEST' && code !== 'FORBIDDEN';
        if (code === 'UNAUTHORIZED') store.noSession?.();
      }
    };
    await (store.lock ? store.lock(task) : task());
  }

  /** The start-up session, asked for again if the last attempt got no answer. */
  function whenReady(): Promise<void> {
    if (isResumeUnanswered) {
      isResumeUnanswered = false;
      ready = resume();
    }
    return ready;
  }

  return {
    read,
    renew,

    /** Settles once the session at start-up is known. */
    ready: whenReady,

    /** Adopts the stored pair: at once from a synchronous store (signed in right after a reload). */
    start(): void {
      // Another tab signed in, renewed or signed out: follow it now rather than at the next call.
      store.watch?.(() => {
        void read().catch(() => undefined);
      });
      if (options.resumesByCookie) {
        ready = resume();
        return;
      }
      let loaded: TokenPair | null | Promise<TokenPair | null>;
      try {
        loaded = store.load();
      } catch {
        return; // Each call re-reads the store: the first call reports the failure.
      }
      if (isPromiseLike(loaded)) loaded.then(adopt, () => undefined);
      else adopt(loaded);
    },

    /** The pair a call should use: renewed first when it expires within the leeway; null when signed out. */
    async forCall(): Promise<TokenPair | null> {
      await whenReady();
      const current = await read();
      if (!current || !isDue(current)) return current;
      return renew(current.accessToken);
    },

    async save(next: TokenPair): Promise<void> {
      await store.save(next);
      adopt(next);
    },

    async clear(): Promise<void> {
      await store.clear();
      adopt(null);
    },

    /** Runs a sign-out without reporting the session's end to `onSessionExpired`. */
    async signingOut<T>(task: () => Promise<T>): Promise<T> {
      signingOut += 1;
      try {
        return await task();
      } finally {
        signingOut -= 1;
      }
    },

    get: (): Session | null => snapshot,

    subscribe(listener: SessionListener): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The access token's lifetime, `exp - iat` of its JWT claims (both server
 * time, so client clock skew does not matter); undefined when unreadable.
 * Read only, never trusted: the server verifies the token.
 */
function lifetimeMsOf(accessToken: string): number | undefined {
  const payload = accessToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { iat, exp } = claims as { iat?: unknown; exp?: unknown };
    return typeof iat === 'number' && typeof exp === 'number' && exp > iat ? (exp - iat) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
