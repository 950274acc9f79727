/**
 * Cookie mode without HTTP: the procedures return token pairs, and
 * cookie-mode.ts reads the mode, the cookie and the origin verdict from the
 * port in the context and writes the cookie change to it. (The HTTP side,
 * headers and attributes, is apps/server/test/cookie-mode.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import type { CookieModePort, RefreshCookieChange } from '../src/cookie-mode.js';
import { createCaller } from '../src/root.js';
import { createHarness, type Harness, PASSWORD, rejection, signedIn, uniqueName } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.db.destroy();
});

/** What a test port saw written: every change, in order. */
interface RecordingPort extends CookieModePort {
  writes: RefreshCookieChange[];
  /** The last change, as the response would carry it (undefined: the response sets no cookie). */
  readonly change: RefreshCookieChange | undefined;
}

function recordingPort(options: Partial<Omit<CookieModePort, 'write'>> = {}): RecordingPort {
  const writes: RefreshCookieChange[] = [];
  return {
    modeHeader: 'cookie',
    refreshCookie: undefined,
    isOriginAllowed: true,
    ...options,
    writes,
    write: (change) => void writes.push(change),
    get change() {
      return writes.length ? writes[writes.length - 1] : undefined;
    },
  };
}

/** A caller as a browser in cookie mode would be, and the port its answer writes to. */
function browserCaller(options: Partial<Omit<CookieModePort, 'write'>> & { authorization?: string } = {}) {
  const { authorization, ...portOptions } = options;
  const outbox = recordingPort(portOptions);
  const caller = createCaller(createContext({ em: h.db.orm.em, services: h.services, authorization, cookies: outbox }));
  return { caller, outbox };
}

function issuedCookie(outbox: RecordingPort): { refreshToken: string; expiresAt: number } {
  const change = outbox.change;
  if (!change) throw new Error(`expected a cookie to set, got ${JSON.stringify(change)}`);
  return change;
}

describe('cookie mode through createCaller', () => {
  it('login in cookie mode answers without refreshToken and puts it, with its expiry, in the outbox', async () => {
    const username = uniqueName('cm');
    await h.caller().auth.register({ username, password: PASSWORD });
    const { caller, outbox } = browserCaller();
    const pair = signedIn(await caller.auth.login({ username, password: PASSWORD }));
    expect(pair).not.toHaveProperty('refreshToken');
    const cookie = issuedCookie(outbox);
    expect(cookie.expiresAt).toBe(pair.refreshExpiresAt);
    expect(cookie.refreshToken.split('.')).toHaveLength(3);
  });

  it('refresh reads the cookie when the input has no refreshToken, and a retired cookie revokes the session', async () => {
    const first = browserCaller();
    await first.caller.auth.register({ username: uniqueName('cm'), password: PASSWORD });
    const cookie = issuedCookie(first.outbox).refreshToken;

    const rotation = browserCaller({ refreshCookie: cookie });
    await rotation.caller.auth.refresh({});
    const next = issuedCookie(rotation.outbox).refreshToken;
    expect(next).not.toBe(cookie);

    const replay = browserCaller({ refreshCookie: cookie });
    expect((await rejection(replay.caller.auth.refresh({}))).code).toBe('UNAUTHORIZED');
    expect(replay.outbox.change).toBeNull();
    const owner = browserCaller({ refreshCookie: next });
    expect((await rejection(owner.caller.auth.refresh({}))).code).toBe('UNAUTHORIZED');
  });

  it('a cookie without cookie mode is refused (FORBIDDEN) and left alone', async () => {
    const first = browserCaller();
    await first.caller.auth.register({ username: uniqueName('cm'), password: PASSWORD });
    const cookie = issuedCookie(first.outbox).refreshToken;
    const forged = browserCaller({ modeHeader: undefined, refreshCookie: cookie });
    expect((await rejection(forged.caller.auth.refresh({}))).code).toBe('FORBIDDEN');
    expect(forged.outbox.change).toBeUndefined();
    // Still the live cookie.
    await browserCaller({ refreshCookie: cookie }).caller.auth.refresh({});
  });

  it('cookie mode from an origin the server does not allow is refused before the procedure runs', async () => {
    const username = uniqueName('cm');
    const { caller, outbox } = browserCaller({ isOriginAllowed: false });
    expect((await rejection(caller.auth.register({ username, password: PASSWORD }))).code).toBe('FORBIDDEN');
    expect(outbox.change).toBeUndefined();
    // Nothing was stored: the name is still free.
    await h.caller().auth.register({ username, password: PASSWORD });
  });

  it('logout in cookie mode clears the cookie; in bearer mode it leaves it alone', async () => {
    const first = browserCaller();
    const pair = await first.caller.auth.register({ username: uniqueName('cm'), password: PASSWORD });
    const cookieLogout = browserCaller({ authorization: `Bearer ${pair.accessToken}` });
    await cookieLogout.caller.auth.logout();
    expect(cookieLogout.outbox.change).toBeNull();

    const bearer = await h.caller().auth.register({ username: uniqueName('cm'), password: PASSWORD });
    const bearerLogout = browserCaller({ modeHeader: undefined, authorization: `Bearer ${bearer.accessToken}` });
    await bearerLogout.caller.auth.logoutAll();
    expect(bearerLogout.outbox.change).toBeUndefined();
  });
});

describe('a bearer call', () => {
  it('never enters cookie mode: no port, the pair in the body, nothing refused for a cookie', async () => {
    const pair = await h.caller().auth.register({ username: uniqueName('bearer'), password: PASSWORD });
    expect(String(pair.refreshToken).split('.')).toHaveLength(3);
    const refreshed = await h.caller().auth.refresh({ refreshToken: pair.refreshToken });
    expect(refreshed.refreshToken).not.toBe(pair.refreshToken);
  });
});

describe('a batch with several cookie changes', () => {
  it('writes each to the port in turn; the last one is what the response carries', async () => {
    const { caller, outbox } = browserCaller();
    const pair = await caller.auth.register({ username: uniqueName('cm'), password: PASSWORD });
    const signedIn = browserCaller({
      authorization: `Bearer ${pair.accessToken}`,
      refreshCookie: issuedCookie(outbox).refreshToken,
    });
    await signedIn.caller.auth.refresh({});
    await signedIn.caller.auth.logout();
    expect(signedIn.outbox.writes.map((change) => (change ? 'set' : 'clear'))).toEqual(['set', 'clear']);
    expect(signedIn.outbox.change).toBeNull();
  });
});
