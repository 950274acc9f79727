/**
 * Cookie mode without HTTP: the procedures read the mode, the cookie and the
 * origin verdict from the context and leave the cookie change in its outbox.
 * (The HTTP side, headers and attributes, is apps/server/test/cookie-mode.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshCookieOutbox } from '../src/browser-session.js';
import { type CreateContextOptions, createContext } from '../src/context.js';
import { createCaller } from '../src/root.js';
import { createHarness, type Harness, PASSWORD, rejection, signedIn, uniqueName } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.db.destroy();
});

/** A caller as a browser in cookie mode would be, and the outbox its answer fills. */
function browserCaller(options: Partial<CreateContextOptions> = {}) {
  const outbox = new RefreshCookieOutbox();
  const caller = createCaller(
    createContext({ em: h.db.orm.em, services: h.services, sessionMode: 'cookie', outbox, ...options }),
  );
  return { caller, outbox };
}

function issuedCookie(outbox: RefreshCookieOutbox): { refreshToken: string; expiresAt: number } {
  const change = outbox.change;
  if (!change || !('refreshToken' in change))
    throw new Error(`expected a cookie to set, got ${JSON.stringify(change)}`);
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
    expect(replay.outbox.change).toEqual({ isCleared: true });
    const owner = browserCaller({ refreshCookie: next });
    expect((await rejection(owner.caller.auth.refresh({}))).code).toBe('UNAUTHORIZED');
  });

  it('a cookie without cookie mode is refused (FORBIDDEN) and left alone', async () => {
    const first = browserCaller();
    await first.caller.auth.register({ username: uniqueName('cm'), password: PASSWORD });
    const cookie = issuedCookie(first.outbox).refreshToken;
    const forged = browserCaller({ sessionMode: undefined, refreshCookie: cookie });
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
    expect(cookieLogout.outbox.change).toEqual({ isCleared: true });

    const bearer = await h.caller().auth.register({ username: uniqueName('cm'), password: PASSWORD });
    const bearerLogout = browserCaller({ sessionMode: undefined, authorization: `Bearer ${bearer.accessToken}` });
    await bearerLogout.caller.auth.logoutAll();
    expect(bearerLogout.outbox.change).toBeUndefined();
  });
});
