import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../src/services/security-events.js';
import {
  createHarness,
  type Harness,
  PASSWORD,
  refreshTokenOf,
  rejection,
  signedIn,
  signUp,
  signUpAdmin,
} from './helpers.js';

// Made by `pnpm turbo gen procedure --args admin disableUser mutation admin`, then written for real.
const events: SecurityEvent[] = [];
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ events: (event) => events.push(event) });
});
afterAll(async () => {
  await h?.db.destroy();
});

const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

/** Whether any way in still works with this pair: its access token, or its refresh token. */
async function expectDead(pair: { accessToken: string; refreshToken?: string | undefined }) {
  expect((await rejection(h.caller(pair.accessToken).user.me())).code).toBe('UNAUTHORIZED');
  const refresh = h.caller().auth.refresh({ refreshToken: refreshTokenOf(pair) });
  expect((await rejection(refresh)).code).toBe('UNAUTHORIZED');
}

describe('admin.disableUser', () => {
  it('ends every session of the user at once, and no other user’s', async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    const bobElsewhere = signedIn(await h.caller().auth.login({ username: bob.user.username, password: PASSWORD }));
    const carol = await signUp(h);
    const result = await h.caller(admin.accessToken).admin.disableUser({ id: bob.user.id });
    expect(result).toEqual({ id: bob.user.id, disabledAt: expect.any(String), revokedSessions: 2 });
    await expectDead(bob);
    await expectDead(bobElsewhere);
    expect((await h.caller(carol.accessToken).user.me()).id).toBe(carol.user.id);
    expect((await h.caller(admin.accessToken).user.me()).id).toBe(admin.user.id);
  });

  it('keeps the user from signing in, with the answer of a wrong password', async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    await h.caller(admin.accessToken).admin.disableUser({ id: bob.user.id });
    const right = await rejection(h.caller().auth.login({ username: bob.user.username, password: PASSWORD }));
    const wrong = await rejection(h.caller().auth.login({ username: bob.user.username, password: 'not the password' }));
    expect(right.code).toBe('UNAUTHORIZED');
    expect({ code: right.code, message: right.message }).toEqual({ code: wrong.code, message: wrong.message });
    expect(events).toContainEqual(expect.objectContaining({ type: 'login.disabled', userId: bob.user.id }));
  });

  it('a second disable keeps the first time and ends any session left', async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    const first = await h.caller(admin.accessToken).admin.disableUser({ id: bob.user.id });
    const second = await h.caller(admin.accessToken).admin.disableUser({ id: bob.user.id });
    expect(second).toEqual({ ...first, revokedSessions: 0 });
  });

  it('records who disabled whom and how many sessions ended', async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    await h.caller(admin.accessToken).admin.disableUser({ id: bob.user.id });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'admin.user_disabled',
        userId: admin.user.id,
        sessionId: expect.any(String),
        targetUserId: bob.user.id,
        revokedSessions: 1,
      }),
    );
  });

  it('refuses a signed-in user without the admin role, and the target stays signed in', async () => {
    const mallory = await signUp(h);
    const bob = await signUp(h);
    const error = await rejection(h.caller(mallory.accessToken).admin.disableUser({ id: bob.user.id }));
    expect(error.code).toBe('FORBIDDEN');
    expect((await h.caller(bob.accessToken).user.me()).id).toBe(bob.user.id);
  });

  it('refuses a caller without an access token', async () => {
    const bob = await signUp(h);
    expect((await rejection(h.caller().admin.disableUser({ id: bob.user.id }))).code).toBe('UNAUTHORIZED');
  });

  it("answers NOT_FOUND for no such user, and refuses the admin's own id", async () => {
    const admin = await signUpAdmin(h);
    expect((await rejection(h.caller(admin.accessToken).admin.disableUser({ id: UNKNOWN_ID }))).code).toBe('NOT_FOUND');
    const own = await rejection(h.caller(admin.accessToken).admin.disableUser({ id: admin.user.id }));
    expect(own.code).toBe('BAD_REQUEST');
    expect(own.message).toMatch(/^id: /);
    expect((await h.caller(admin.accessToken).user.me()).id).toBe(admin.user.id);
  });

  it('leaves no working session when the user refreshes and signs in while being disabled', async () => {
    for (let round = 0; round < 3; round += 1) {
      const admin = await signUpAdmin(h);
      const bob = await signUp(h);
      const login = () => h.caller().auth.login({ username: bob.user.username, password: PASSWORD });
      const outcomes = await Promise.allSettled([
        h.caller().auth.refresh({ refreshToken: refreshTokenOf(bob) }),
        login(),
        h.caller(admin.accessToken).admin.disableUser({ id: bob.user.id }),
        login(),
        h.caller(bob.accessToken).user.me(),
      ]);
      const disable = outcomes[2];
      expect(disable?.status).toBe('fulfilled');
      // Whatever won each race, every pair the user holds is dead afterwards.
      const pairs = [
        bob,
        ...outcomes.flatMap((o) => (o.status === 'fulfilled' && 'refreshToken' in o.value ? [o.value] : [])),
      ];
      for (const pair of pairs) await expectDead(pair);
      expect((await rejection(login())).code).toBe('UNAUTHORIZED');
    }
  });
});
