import type { TokenPair } from '@repo/api';

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
  if (typeof value !== 'object' || value === null) return null;
  const pair = value as Record<string, unknown>;
  const user = pair.user as Record<string, unknown> | null | undefined;
  const isPair =
    typeof pair.accessToken === 'string' &&
    typeof pair.refreshToken === 'string' &&
    typeof pair.expiresAt === 'number' &&
    typeof pair.refreshExpiresAt === 'number' &&
    typeof user === 'object' &&
    user !== null &&
    typeof user.id === 'string' &&
    typeof user.username === 'string';
  return isPair ? (value as TokenPair) : null;
}
