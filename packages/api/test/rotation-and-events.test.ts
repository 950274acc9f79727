import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../src/services/security-events.js';
import {
  config,
  createHarness,
  type Harness,
  PASSWORD,
  refreshTokenOf,
  rejection,
  signedIn,
  uniqueName,
} from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.db.destroy();
});

const NEW_ACCESS = 'the-next-access-secret-of-at-least-32-bytes';
const NEW_REFRESH = 'the-next-refresh-secret-of-at-least-32-bytes';

describe('secret rotation', () => {
  it('names the signing secret in a kid header, the same on every instance, and not the secret itself', async () => {
    const pair = await h.caller().auth.register({ username: uniqueName('kid'), password: PASSWORD });
    const access = jwt.decode(pair.accessToken, { complete: true });
    const refresh = jwt.decode(refreshTokenOf(pair), { complete: true });
    expect(access?.header.kid).toMatch(/^[\w-]{16}$/);
    expect(refresh?.header.kid).toMatch(/^[\w-]{16}$/);
    expect(access?.header.kid).not.toBe(refresh?.header.kid);
    const twin = await createHarness({ db: h.db });
    const other = signedIn(await twin.caller().auth.login({ username: pair.user.username, password: PASSWORD }));
    expect(jwt.decode(other.accessToken, { complete: true })?.header.kid).toBe(access?.header.kid);
  });

  it('keeps tokens of the previous secrets valid after a rotation, and signs new ones with the new secrets', async () => {
    const before = await h.caller().auth.register({ username: uniqueName('rotate'), password: PASSWORD });
    const rotated = await createHarness({
      db: h.db,
      config: {
        accessSecret: NEW_ACCESS,
        refreshSecret: NEW_REFRESH,
        previousAccessSecret: config.accessSecret,
        previousRefreshSecret: config.refreshSecret,
      },
    });
    await expect(rotated.caller(before.accessToken).user.me()).resolves.toMatchObject({ id: before.user.id });
    const renewed = await rotated.caller().auth.refresh({ refreshToken: before.refreshToken });
    expect(jwt.decode(renewed.accessToken, { complete: true })?.header.kid).not.toBe(
      jwt.decode(before.accessToken, { complete: true })?.header.kid,
    );
    // Once the previous secrets are dropped, their tokens are refused; new ones still work.
    const dropped = await createHarness({ db: h.db, config: { accessSecret: NEW_ACCESS, refreshSecret: NEW_REFRESH } });
    expect((await rejection(dropped.caller(before.accessToken).user.me())).code).toBe('UNAUTHORIZED');
    await expect(dropped.caller(renewed.accessToken).user.me()).resolves.toMatchObject({ id: before.user.id });
    // The old instance does not know the new secret.
    expect((await rejection(h.caller(renewed.accessToken).user.me())).code).toBe('UNAUTHORIZED');
  });

  it('refuses a token whose kid names no known secret, even when its signature is right', async () => {
    const pair = await h.caller().auth.register({ username: uniqueName('nokid'), password: PASSWORD });
    const claims = jwt.decode(pair.accessToken) as jwt.JwtPayload;
    for (const keyid of [undefined, 'unknown-key-id00']) {
      const token = jwt.sign(claims, config.accessSecret, { algorithm: 'HS256', ...(keyid ? { keyid } : {}) });
      expect((await rejection(h.caller(token).user.me())).code).toBe('UNAUTHORIZED');
    }
  });
});

describe('security events', () => {
  it('reports register, logins, throttling, reuse, logout, logout-all and password change with ids, never secrets', async () => {
    const events: SecurityEvent[] = [];
    const e = await createHarness({ db: h.db, events: (event) => events.push(event) });
    const username = uniqueName('audit');
    const registered = await e.caller().auth.register({ username, password: PASSWORD });
    const second = signedIn(await e.caller().auth.login({ username, password: PASSWORD }));
    await rejection(e.caller().auth.login({ username, password: 'not the password' }));
    await rejection(e.caller().auth.login({ username: uniqueName('nobody'), password: PASSWORD }));
    const renewed = await e.caller().auth.refresh({ refreshToken: second.refreshToken });
    await rejection(e.caller().auth.refresh({ refreshToken: second.refreshToken }));
    await e
      .caller(registered.accessToken)
      .user.changePassword({ currentPassword: PASSWORD, newPassword: 'new password 1' });
    const third = signedIn(await e.caller().auth.login({ username, password: 'new password 1' }));
    await e.caller(third.accessToken).auth.logout();
    const fourth = signedIn(await e.caller().auth.login({ username, password: 'new password 1' }));
    await e.caller(fourth.accessToken).auth.logoutAll();
    for (let i = 0; i < 10; i += 1) await rejection(e.caller().auth.login({ username, password: 'wrong again' }));
    await rejection(e.caller().auth.login({ username, password: 'new password 1' }));

    expect(events.map((event) => event.type)).toEqual([
      'register',
      'login.succeeded',
      'login.failed',
      'login.failed',
      'refresh.reuse_detected',
      'password.changed',
      'login.succeeded',
      'logout',
      'login.succeeded',
      'logout_all',
      ...Array(10).fill('login.failed'),
      'login.throttled',
    ]);
    const userId = registered.user.id;
    expect(events[0]).toMatchObject({ userId, requestId: 'test-request', clientAddress: '192.0.2.1' });
    expect(events[2]).toMatchObject({ userId, username: username.toLowerCase() });
    expect(events[3]).not.toHaveProperty('userId');
    expect(events[4]).toMatchObject({ userId, revokedSessions: 1 });
    expect(events[5]).toMatchObject({ userId, sessionId: expect.any(String), revokedSessions: 0 });
    expect(events[9]).toMatchObject({ userId, revokedSessions: 2 });
    for (const event of events) expect(event.requestId).toBe('test-request');

    const text = JSON.stringify(events);
    for (const secret of [
      PASSWORD,
      'new password 1',
      registered.accessToken,
      renewed.refreshToken,
      second.refreshToken,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/\$2[aby]\$/);
  });
});
