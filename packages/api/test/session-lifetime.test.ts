import { repositoriesOf } from '@repo/db';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, PASSWORD, rejection, signedIn, uniqueName } from './helpers.js';

const MINUTE = 60_000;

describe('absolute session lifetime (sessionMaxAgeMs)', () => {
  let h: Harness;
  // Starts at the real time and only moves forward: the tokens' exp, which
  // jsonwebtoken checks against the real clock, stay in the future.
  let clock = Date.now();
  beforeAll(async () => {
    h = await createHarness({
      now: () => new Date(clock),
      config: { refreshTtlMs: 30 * MINUTE, sessionMaxAgeMs: 60 * MINUTE },
    });
  });
  afterAll(async () => {
    await h?.db.destroy();
  });

  const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

  it('lets each refresh extend the idle timeout, never past creation + the maximum age, then refuses the session', async () => {
    const created = clock;
    let pair = await h.caller().auth.register({ username: uniqueName('ages'), password: PASSWORD });
    expect(pair.refreshExpiresAt).toBe(seconds(created + 30 * MINUTE));

    clock = created + 20 * MINUTE;
    pair = await h.caller().auth.refresh({ refreshToken: pair.refreshToken });
    expect(pair.refreshExpiresAt).toBe(seconds(created + 50 * MINUTE));

    // The idle timeout would reach creation + 75 minutes: the maximum age wins.
    clock = created + 45 * MINUTE;
    pair = await h.caller().auth.refresh({ refreshToken: pair.refreshToken });
    expect(pair.refreshExpiresAt).toBe(seconds(created + 60 * MINUTE));

    clock = created + 59 * MINUTE;
    pair = await h.caller().auth.refresh({ refreshToken: pair.refreshToken });
    expect(pair.refreshExpiresAt).toBe(seconds(created + 60 * MINUTE));
    expect((await h.caller(pair.accessToken).user.me()).username).toMatch(/^ages_/);

    clock = created + 61 * MINUTE;
    expect((await rejection(h.caller().auth.refresh({ refreshToken: pair.refreshToken }))).code).toBe('UNAUTHORIZED');
    // The access token's own exp is later, but its session has ended.
    expect((await rejection(h.caller(pair.accessToken).user.me())).code).toBe('UNAUTHORIZED');
  });

  it('ends a session refreshed every 2 minutes at the maximum age, and a new login starts a new one', async () => {
    const created = clock;
    const username = uniqueName('keepalive');
    let pair = await h.caller().auth.register({ username, password: PASSWORD });
    let refreshes = 0;
    for (;;) {
      clock += 2 * MINUTE;
      const next = await h
        .caller()
        .auth.refresh({ refreshToken: pair.refreshToken })
        .catch(() => null);
      if (!next) break;
      pair = next;
      refreshes += 1;
    }
    // Refreshes at +2 … +58 minutes succeed; the one at +60 finds the session over.
    expect(refreshes).toBe(29);
    expect(clock - created).toBe(60 * MINUTE);
    const fresh = signedIn(await h.caller().auth.login({ username, password: PASSWORD }));
    expect(fresh.refreshExpiresAt).toBe(seconds(clock + 30 * MINUTE));
  });
});

describe('bcrypt cost upgrades', () => {
  let weak: Harness;
  let strong: Harness;
  beforeAll(async () => {
    weak = await createHarness({ config: { bcryptCost: 4 } });
    strong = await createHarness({ db: weak.db, config: { bcryptCost: 5 } });
  });
  afterAll(async () => {
    await weak?.db.destroy();
  });

  async function storedCost(username: string): Promise<number> {
    const user = await repositoriesOf(weak.db.orm.em.fork()).users.findByUsernameWithHash(username);
    if (!user) throw new Error(`no user ${username}`);
    return bcrypt.getRounds(user.passwordHash);
  }

  it('rehashes a password stored at a lower cost when its user signs in, and it still works', async () => {
    const username = uniqueName('upgrade');
    await weak.caller().auth.register({ username, password: PASSWORD });
    expect(await storedCost(username)).toBe(4);

    expect((await rejection(strong.caller().auth.login({ username, password: 'not the password' }))).code).toBe(
      'UNAUTHORIZED',
    );
    expect(await storedCost(username)).toBe(4);

    signedIn(await strong.caller().auth.login({ username, password: PASSWORD }));
    expect(await storedCost(username)).toBe(5);
    signedIn(await strong.caller().auth.login({ username, password: PASSWORD }));
    // A server still on the lower cost neither refuses nor weakens the stronger hash.
    signedIn(await weak.caller().auth.login({ username, password: PASSWORD }));
    expect(await storedCost(username)).toBe(5);
  });
});
