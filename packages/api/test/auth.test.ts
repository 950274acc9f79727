import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, PASSWORD, rejection, signedIn, uniqueName } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.db.destroy();
});

async function register(username = uniqueName(), password = PASSWORD) {
  return h.caller().auth.register({ username, password });
}

describe('auth.register', () => {
  it('creates the account and signs it in with a token pair', async () => {
    const username = uniqueName('Reg');
    const pair = await register(username);
    expect(pair).toMatchObject({ tokenType: 'Bearer', user: { username, role: 'user' } });
    expect(pair.expiresAt).toBeGreaterThan(Date.now());
    expect(pair.refreshExpiresAt).toBeGreaterThan(pair.expiresAt);
    expect(new Date(pair.user.createdAt).toISOString()).toBe(pair.user.createdAt);
    const me = await h.caller(pair.accessToken).user.me();
    expect(me).toEqual({ ...pair.user, email: null, emailVerified: false, pendingEmail: null });
  });

  it('refuses a taken username, also when it differs only in case, with CONFLICT', async () => {
    const username = uniqueName('Dup');
    await register(username);
    for (const again of [username, username.toLowerCase(), username.toUpperCase()]) {
      const error = await rejection(register(again));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/^username: /);
    }
  });

  it('gives exactly one account to 10 concurrent registrations of one name', async () => {
    const username = uniqueName('race');
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => register(username)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.reason as TRPCError).code)).toEqual(Array(9).fill('CONFLICT'));
    const { items } = await h
      .caller((won[0] as PromiseFulfilledResult<{ accessToken: string }>).value.accessToken)
      .user.list({ limit: 100 });
    expect(items.filter((u) => u.username.toLowerCase() === username.toLowerCase())).toHaveLength(1);
  });

  it.each([
    ['ab', PASSWORD, /^username: must be 3 to 40 characters/],
    ['a'.repeat(41), PASSWORD, /^username: must be 3 to 40 characters/],
    ['bad name!', PASSWORD, /^username: may contain only/],
    // The whole message: each rule said once.
    ['okname', 'short', /^password: must be 8 to 72 bytes of UTF-8$/],
    ['okname', 'x'.repeat(73), /^password: must be 8 to 72 bytes of UTF-8$/],
    // 37 characters but 74 bytes of UTF-8: refused, never silently cut.
    ['okname', 'é'.repeat(37), /^password: must be 8 to 72 bytes of UTF-8$/],
    ['okname', 'password\u0000suffix', /^password: must not contain NUL/],
  ])('refuses %j / %j with BAD_REQUEST naming the field', async (username, password, message) => {
    const error = await rejection(register(username, password));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(message);
  });

  it('names every missing field', async () => {
    const error = await rejection(h.caller().auth.register({} as never));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('username: is required');
    expect(error.message).toContain('password: is required');
  });

  it('accepts a password of exactly 72 bytes of multi-byte characters', async () => {
    const pair = await register(uniqueName(), 'é'.repeat(36));
    await expect(
      h.caller().auth.login({ username: pair.user.username, password: 'é'.repeat(36) }),
    ).resolves.toBeTruthy();
  });
});

describe('auth.login', () => {
  it('signs in regardless of the username case, opening a new session each time', async () => {
    const username = uniqueName('Login');
    const first = await register(username);
    const second = signedIn(await h.caller().auth.login({ username: username.toUpperCase(), password: PASSWORD }));
    expect(second.user.id).toBe(first.user.id);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(h.caller(first.accessToken).user.me()).resolves.toMatchObject({ id: first.user.id });
    await expect(h.caller(second.accessToken).user.me()).resolves.toMatchObject({ id: first.user.id });
  });

  it('answers a wrong password and an unknown username identically', async () => {
    const username = uniqueName();
    await register(username);
    const wrong = await rejection(h.caller().auth.login({ username, password: 'not the password' }));
    const unknown = await rejection(h.caller().auth.login({ username: uniqueName('ghost'), password: PASSWORD }));
    expect(wrong.code).toBe('UNAUTHORIZED');
    expect(unknown.code).toBe(wrong.code);
    expect(unknown.message).toBe(wrong.message);
  });
});

describe('failed-login throttling', () => {
  it('refuses the 11th attempt within the window with TOO_MANY_REQUESTS and a retry delay, even with the right password', async () => {
    const username = uniqueName('throttled');
    await register(username);
    for (let i = 0; i < 10; i += 1) {
      const error = await rejection(h.caller().auth.login({ username, password: `wrong password ${i}` }));
      expect(error.code).toBe('UNAUTHORIZED');
    }
    const error = await rejection(h.caller().auth.login({ username: username.toUpperCase(), password: PASSWORD }));
    expect(error.code).toBe('TOO_MANY_REQUESTS');
    expect(error.message).toMatch(/try again in \d+ s/);
    // Other accounts are not affected.
    const other = uniqueName();
    await register(other);
    await expect(h.caller().auth.login({ username: other, password: PASSWORD })).resolves.toBeTruthy();
  });

  it('lets attempts through again once the window has passed', async () => {
    // A window of 5 s, not 1: under a loaded CI machine the eleven attempts below once took longer than
    // 1 s, so the window had passed before the eleventh and it went through.
    const short = await createHarness({ throttle: { windowSeconds: 5 }, db: h.db });
    const username = uniqueName('window');
    await short.caller().auth.register({ username, password: PASSWORD });
    for (let i = 0; i < 10; i += 1) {
      await rejection(short.caller().auth.login({ username, password: 'wrong password' }));
    }
    expect((await rejection(short.caller().auth.login({ username, password: PASSWORD }))).code).toBe(
      'TOO_MANY_REQUESTS',
    );
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    await expect(short.caller().auth.login({ username, password: PASSWORD })).resolves.toMatchObject({
      user: { username },
    });
  });

  it('a successful login clears the username counter', async () => {
    const username = uniqueName('reset');
    await register(username);
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 9; i += 1) await rejection(h.caller().auth.login({ username, password: 'wrong password' }));
      await expect(h.caller().auth.login({ username, password: PASSWORD })).resolves.toBeTruthy();
    }
  });

  it('throttles one address that fails across many usernames, with a looser limit', async () => {
    const strict = await createHarness({ throttle: { maxFailuresPerAddress: 15 }, db: h.db });
    const address = '198.51.100.7';
    for (let i = 0; i < 15; i += 1) {
      const error = await rejection(
        strict.caller(undefined, address).auth.login({ username: uniqueName('spray'), password: PASSWORD }),
      );
      expect(error.code).toBe('UNAUTHORIZED');
    }
    const blocked = await rejection(
      strict.caller(undefined, address).auth.login({ username: uniqueName(), password: PASSWORD }),
    );
    expect(blocked.code).toBe('TOO_MANY_REQUESTS');
    const username = uniqueName();
    await strict.caller().auth.register({ username, password: PASSWORD });
    await expect(
      strict.caller(undefined, '198.51.100.8').auth.login({ username, password: PASSWORD }),
    ).resolves.toBeTruthy();
  });
});

describe('auth.refresh', () => {
  it('rotates: returns a new pair, and the new refresh token works in turn', async () => {
    const pair = await register();
    const next = await h.caller().auth.refresh({ refreshToken: pair.refreshToken });
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect(next.user).toEqual(pair.user);
    await expect(h.caller(next.accessToken).user.me()).resolves.toMatchObject({ id: pair.user.id });
    const third = await h.caller().auth.refresh({ refreshToken: next.refreshToken });
    await expect(h.caller(third.accessToken).user.me()).resolves.toMatchObject({ id: pair.user.id });
  });

  it('a rotated refresh token presented twice revokes the session', async () => {
    const pair = await register();
    const next = await h.caller().auth.refresh({ refreshToken: pair.refreshToken });
    const reuse = await rejection(h.caller().auth.refresh({ refreshToken: pair.refreshToken }));
    expect(reuse.code).toBe('UNAUTHORIZED');
    expect(reuse.message).toMatch(/reuse/);
    // Every token of that session is now refused, including the newest.
    expect((await rejection(h.caller(next.accessToken).user.me())).code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller().auth.refresh({ refreshToken: next.refreshToken }))).code).toBe('UNAUTHORIZED');
  });

  it('lets exactly one of two concurrent refreshes with one token win', async () => {
    const pair = await register();
    const results = await Promise.allSettled([
      h.caller().auth.refresh({ refreshToken: pair.refreshToken }),
      h.caller().auth.refresh({ refreshToken: pair.refreshToken }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost?.reason).toMatchObject({ code: 'UNAUTHORIZED' });
    // The loser presented a retired token: by the contract that is theft, so
    // the session ends (the client renews single-flight to never do this).
    const won = results.find((r) => r.status === 'fulfilled');
    const winner = (won as PromiseFulfilledResult<{ accessToken: string }>).value;
    expect((await rejection(h.caller(winner.accessToken).user.me())).code).toBe('UNAUTHORIZED');
  });

  it('refuses an access token in place of a refresh token', async () => {
    const pair = await register();
    expect((await rejection(h.caller().auth.refresh({ refreshToken: pair.accessToken }))).code).toBe('UNAUTHORIZED');
  });
});

describe('auth.logout and auth.logoutAll', () => {
  it('logout ends the current session only: its access and refresh tokens are refused, others stay', async () => {
    const username = uniqueName();
    const a = await register(username);
    const b = signedIn(await h.caller().auth.login({ username, password: PASSWORD }));
    await expect(h.caller(a.accessToken).auth.logout()).resolves.toEqual({ success: true });
    expect((await rejection(h.caller(a.accessToken).user.me())).code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller().auth.refresh({ refreshToken: a.refreshToken }))).code).toBe('UNAUTHORIZED');
    await expect(h.caller(b.accessToken).user.me()).resolves.toMatchObject({ username });
  });

  it('logoutAll ends every session of the user and says how many', async () => {
    const username = uniqueName();
    const a = await register(username);
    const b = signedIn(await h.caller().auth.login({ username, password: PASSWORD }));
    const bystander = await register();
    await expect(h.caller(b.accessToken).auth.logoutAll()).resolves.toEqual({ revokedSessions: 2 });
    for (const pair of [a, b]) {
      expect((await rejection(h.caller(pair.accessToken).user.me())).code).toBe('UNAUTHORIZED');
      expect((await rejection(h.caller().auth.refresh({ refreshToken: pair.refreshToken }))).code).toBe('UNAUTHORIZED');
    }
    await expect(h.caller(bystander.accessToken).user.me()).resolves.toBeTruthy();
  });

  it('needs a signed-in caller', async () => {
    expect((await rejection(h.caller().auth.logout())).code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller('not-a-token').auth.logoutAll())).code).toBe('UNAUTHORIZED');
  });
});
