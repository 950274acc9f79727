import type { TokenPairResponse as TokenPair } from '@repo/api';

type MaybePromise<T> = T | Promise<T>;

/**
 * Where the client keeps the token pair (and the user it belongs to). Methods
 * may be synchronous (memory, `localStorage`) or return promises (IndexedDB,
 * React Native's AsyncStorage); the client awaits them either way.
 */
export interface SessionStore {
  load(): MaybePromise<TokenPair | null>;
  save(pair: TokenPair): MaybePromise<void>;
  clear(): MaybePromise<void>;
  /**
   * Optional: runs `task` while no other client sharing this store (another
   * tab) runs one. The client renews inside it, so tabs renew one at a time
   * and a tab picks up the pair another has just renewed.
   */
  lock?<T>(task: () => Promise<T>): Promise<T>;
  /**
   * Optional: calls `onChange` when another client sharing this store (another
   * tab) changed it; the client then re-reads it. Returns the unsubscribe function.
   */
  watch?(onChange: () => void): () => void;
  /**
   * Optional, cookie mode: false when no session can be there to resume (no
   * tab of this origin has signed in since the last sign-out), so the client
   * skips the start-up refresh a signed-out page would only get a 401 for.
   */
  mayHaveSession?(): boolean;
  /** Optional, cookie mode: the server answered that there is no session (401): forget the hint. */
  noSession?(): void;
}

/** The default store: the session lives as long as the client object. */
export function memorySessionStore(initial: TokenPair | null = null): SessionStore {
  let pair = initial;
  return {
    load: () => pair,
    save: (next) => {
      pair = next;
    },
    clear: () => {
      pair = null;
    },
  };
}

/** What the store needs of `window.localStorage` (or `sessionStorage`): no DOM typings required. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What the store needs of the Web Locks API (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(name: string, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

export interface LocalStorageSessionStoreOptions {
  /** Defaults to `globalThis.localStorage`. */
  storage?: StorageLike;
  /** The storage key. Default `"repo-client.session"`. */
  key?: string;
  /**
   * Serialises renewals across tabs. Defaults to `navigator.locks` where it
   * exists (every current browser); `null` turns it off.
   */
  locks?: LockManagerLike | null;
}

interface BrowserGlobals {
  localStorage?: StorageLike;
  navigator?: { locks?: LockManagerLike };
}

/**
 * A store in `localStorage`, shared by every tab of the origin. Note that any
 * script on the page can read `localStorage`: keep the page free of XSS.
 */
export function localStorageSessionStore(options: LocalStorageSessionStoreOptions = {}): SessionStore {
  const browser = globalThis as BrowserGlobals;
  const storage = options.storage ?? browser.localStorage;
  if (!storage) throw new Error('localStorage is not available here: pass options.storage');
  const key = options.key ?? 'repo-client.session';
  const locks = options.locks === undefined ? browser.navigator?.locks : (options.locks ?? undefined);

  return {
    load() {
      const text = storage.getItem(key);
      if (text === null) return null;
      const pair = parseTokenPair(text);
      // Unreadable (edited by hand, an older format): treat as signed out.
      if (!pair) storage.removeItem(key);
      return pair;
    },
    save(pair) {
      storage.setItem(key, JSON.stringify(pair));
    },
    clear() {
      storage.removeItem(key);
    },
    ...(locks ? { lock: <T>(task: () => Promise<T>) => locks.request(`${key}:renew`, () => task()) } : {}),
  };
}

function parseTokenPair(text: string): TokenPair | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return asTokenPair(value, { hasRefreshToken: true });
}

/** `value` if it has the shape of a pair (with or without its refresh token), else null. */
function asTokenPair(value: unknown, expected: { hasRefreshToken: boolean }): TokenPair | null {
  if (typeof value !== 'object' || value === null) return null;
  const pair = value as Record<string, unknown>;
  const user = pair.user as Record<string, unknown> | null | undefined;
  const isPair =
    typeof pair.accessToken === 'string' &&
    (expected.hasRefreshToken ? typeof pair.refreshToken === 'string' : pair.refreshToken === undefined) &&
    typeof pair.expiresAt === 'number' &&
    typeof pair.refreshExpiresAt === 'number' &&
    typeof user === 'object' &&
    user !== null &&
    typeof user.id === 'string' &&
    typeof user.username === 'string';
  return isPair ? (value as TokenPair) : null;
}

/** The page's localStorage in a browser; undefined elsewhere (Node warns on merely reading its global). */
function browserLocalStorage(): StorageLike | undefined {
  const browser = globalThis as { document?: unknown; localStorage?: StorageLike };
  if (browser.document === undefined) return undefined;
  try {
    return browser.localStorage;
  } catch {
    return undefined;
  }
}

interface TabGlobals {
  BroadcastChannel?: new (name: string) => BroadcastChannelLike;
  navigator?: { locks?: LockManagerLike };
}

interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** Node only: lets the process exit while the channel is open. */
  unref?(): void;
}

/**
 * Cookie mode's store: the pair (without its refresh token, which lives in
 * the HttpOnly cookie) in this tab's memory only, never in storage a script
 * could read later. Tabs of the origin stay in step through a
 * BroadcastChannel (a sign-in, renewal or sign-out in one reaches the others)
 * and renew one at a time under a Web Lock, so no two tabs ever present the
 * same cookie (the server would take the second for a stolen one).
 */
export function tabSharedMemoryStore(
  name: string,
  options: {
    /**
     * Where a flag that some tab holds a session is kept: never the pair, only
     * "1", so a signed-out page load asks the server nothing. Defaults to the
     * page's `localStorage` in a browser (none elsewhere: always ask).
     */
    hint?: StorageLike | null;
  } = {},
): SessionStore {
  // Through unknown: the DOM's own BroadcastChannel type is wider than the little used here.
  const tab = globalThis as unknown as TabGlobals;
  const hint = options.hint === undefined ? browserLocalStorage() : (options.hint ?? undefined);
  const hintKey = `${name}:signed-in`;
  const remember = (isSignedIn: boolean) => {
    try {
      if (isSignedIn) hint?.setItem(hintKey, '1');
      else hint?.removeItem(hintKey);
    } catch {
      // Storage full or refused (private mode): the client then asks the server, as without a hint.
    }
  };
  const channel = tab.BroadcastChannel ? new tab.BroadcastChannel(name) : undefined;
  channel?.unref?.();
  const locks = tab.navigator?.locks;
  const watchers = new Set<() => void>();
  let pair: TokenPair | null = null;
  channel?.addEventListener('message', (event) => {
    // Same-origin messages only, but checked all the same: anything else reads as signed out.
    pair = asTokenPair(event.data, { hasRefreshToken: false });
    for (const onChange of [...watchers]) onChange();
  });
  return {
    load: () => pair,
    save(next) {
      pair = next;
      remember(true);
      channel?.postMessage(next);
    },
    clear() {
      pair = null;
      remember(false);
      channel?.postMessage(null);
    },
    noSession() {
      remember(false);
    },
    mayHaveSession() {
      try {
        return !hint || hint.getItem(hintKey) !== null;
      } catch {
        return true;
      }
    },
    ...(locks ? { lock: <T>(task: () => Promise<T>) => locks.request(`${name}:renew`, () => task()) } : {}),
    watch(onChange) {
      watchers.add(onChange);
      return () => {
        watchers.delete(onChange);
      };
    },
  };
}
