/**
 * Bounded sessions (API.md, "Semantics"): at most `sessionMaxPerUser` live
 * sessions per user, the least recently used ending first, however many
 * sign-ins race; and the prune that deletes what can never be used again.
 * Replays the finding "64 correct sign-ins for one account → 105 live session
 * rows; nothing ever deletes a session or a spent token".
 */
import { pruneDeadRows, repositoriesOf } from '@repo/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, PASSWORD, rejection, signedIn, uniqueName } from './helpers.js';

const LIMIT = 20;
const PARALLEL_SIGN_INS = {
  maxFailuresPerUsernameAddress: 1000,
  maxFailuresPerUsername: 1000,
  maxFailuresPerAddress: 1000,
};
let clockMs = Date.now();
const now = () => new Date(clockMs);
let h: Harness;

beforeAll(async () => {
  // The default limit (20); a clock the tests move, so "least recently used" is never a tie; budgets
  // room for 30 parallel sign-ins (each takes an attempt before its password is checked).
  h = await createHarness({ now, throttle: PARALLEL_SIGN_INS });
});
afterAll(async () => {
  await h?.db.destroy();
});

const sessionsOf = () => repositoriesOf(h.db.orm.em.fork()).sessions;

function liveSessions(userId: string): Promise<number> {
  return sessionsOf().count({ user: userId, revokedAt: null, expiresAt: { $gt: now() } });
}

async function signIn(username: string) {
  clockMs += 1000;
  return signedIn(await h.caller().auth.login({ username, password: PASSWORD }));
}

describe('at most SESSION_MAX_PER_USER live sessions', () => {
  it('64 correct sign-ins for one account leave 20 live sessions: the 44 oldest ended with reason session_limit', async () => {
    const username = uniqueName('many');
    const registered = await h.caller().auth.register({ username, password: PASSWORD });
    const pairs = [registered];
    for (let i = 1; i < 64; i++) pairs.push(await signIn(username));

    expect(await liveSessions(registered.user.id)).toBe(LIMIT);
    const ended = await sessionsOf().find({ user: registered.user.id, revokedAt: { $ne: null } });
    expect(ended).toHaveLength(64 - LIMIT);
    expect(new Set(ended.map((session) => session.revokedReason))).toEqual(new Set(['session_limit']));
    // The oldest are refused; the newest 20 all work.
    for (const pair of pairs.slice(0, 64 - LIMIT)) {
      expect((await rejection(h.caller(pair.accessToken).user.me())).code).toBe('UNAUTHORIZED');
    }
    for (const pair of pairs.slice(64 - LIMIT)) {
      expect((await h.caller(pair.accessToken).user.me()).username).toBe(username);
    }
  });

  it('30 parallel sign-ins of one user leave at most 20 live sessions, and the last sign-in works', async () => {
    const username = uniqueName('par');
    const registered = await h.caller().auth.register({ username, password: PASSWORD });
    clockMs += 1000;
    const pairs = await Promise.all(
      Array.from({ length: 30 }, () => h.caller().auth.login({ username, password: PASSWORD })),
    );
    expect(pairs).toHaveLength(30);
    const live = await liveSessions(registered.user.id);
    expect(live).toBeLessThanOrEqual(LIMIT);
    expect(live).toBeGreaterThan(0);
    // Afterwards the count is exactly the limit again, and a new sign-in is live.
    const last = await signIn(username);
    expect(await liveSessions(registered.user.id)).toBe(LIMIT);
    expect((await h.caller(last.accessToken).user.me()).username).toBe(username);
  });

  it('ends the least recently used session: one refreshed lately outlives older sign-ins', async () => {
    const small = await createHarness({ db: h.db, now, throttle: PARALLEL_SIGN_INS, config: { sessionMaxPerUser: 3 } });
    const username = uniqueName('lru');
    clockMs += 1000;
    const first = await small.caller().auth.register({ username, password: PASSWORD });
    clockMs += 1000;
    const second = signedIn(await small.caller().auth.login({ username, password: PASSWORD }));
    clockMs += 1000;
    const third = signedIn(await small.caller().auth.login({ username, password: PASSWORD }));
    clockMs += 1000;
    // The first session is used again: now `second` is the least recently used.
    const renewed = await small.caller().auth.refresh({ refreshToken: first.refreshToken ?? '' });
    clockMs += 1000;
    const fourth = signedIn(await small.caller().auth.login({ username, password: PASSWORD }));

    expect((await rejection(small.caller(second.accessToken).user.me())).code).toBe('UNAUTHORIZED');
    for (const pair of [renewed, third, fourth]) {
      expect((await small.caller(pair.accessToken).user.me()).username).toBe(username);
    }
    expect(await liveSessions(first.user.id)).toBe(3);
  });
});

describe('the prune', () => {
  it('deletes expired sessions and spent or expired one-time tokens, and keeps a revoked session until its refresh token expires', async () => {
    const username = uniqueName('prune');
    const user = (await h.caller().auth.register({ username, password: PASSWORD })).user;
    const em = h.db.orm.em.fork();
    const { sessions, oneTimeTokens } = repositoriesOf(em);
    const at = now();
    const hourAgo = new Date(at.getTime() - 3_600_000);
    const inAnHour = new Date(at.getTime() + 3_600_000);
    const session = (id: string, expiresAt: Date, revokedAt: Date | null) => ({
      id,
      user: user.id,
      refreshTokenId: crypto.randomUUID(),
      previousRefreshTokenId: null,
      rotatedAt: null,
      expiresAt,
      createdAt: hourAgo,
      lastUsedAt: hourAgo,
      revokedAt,
      revokedReason: revokedAt ? ('logout' as const) : null,
    });
    const ids = { expired: crypto.randomUUID(), revokedExpired: crypto.randomUUID(), revokedLive: crypto.randomUUID() };
    await sessions.insertMany([
      session(ids.expired, hourAgo, null),
      session(ids.revokedExpired, hourAgo, hourAgo),
      session(ids.revokedLive, inAnHour, hourAgo),
    ]);
    const token = (purpose: 'verify_email' | 'reset_password', expiresAt: Date, usedAt: Date | null) => ({
      id: crypto.randomUUID(),
      user: user.id,
      purpose,
      tokenHash: crypto.randomUUID().replaceAll('-', '').padEnd(64, '0'),
      email: null,
      expiresAt,
      usedAt,
      createdAt: hourAgo,
    });
    const other = (await h.caller().auth.register({ username: uniqueName('prune'), password: PASSWORD })).user;
    const third = (await h.caller().auth.register({ username: uniqueName('prune'), password: PASSWORD })).user;
    const live = token('reset_password', inAnHour, null);
    await oneTimeTokens.insertMany([
      token('verify_email', inAnHour, hourAgo),
      live,
      { ...token('verify_email', hourAgo, null), user: other.id },
      { ...token('reset_password', hourAgo, null), user: third.id },
    ]);

    const before = await sessionsOf().count({ user: user.id });
    const deleted = await pruneDeadRows(h.db.orm.em.fork(), at);
    expect(deleted.sessions).toBeGreaterThanOrEqual(2);
    expect(deleted.oneTimeTokens).toBeGreaterThanOrEqual(3);
    const left = await sessionsOf().find({ user: user.id });
    expect(left).toHaveLength(before - 2);
    expect(left.map((row) => row.id)).toContain(ids.revokedLive);
    expect(left.map((row) => row.id)).not.toContain(ids.expired);
    const tokensLeft = await repositoriesOf(h.db.orm.em.fork()).oneTimeTokens.find({
      user: { $in: [user.id, other.id, third.id] },
    });
    expect(tokensLeft.map((row) => row.id)).toEqual([live.id]);
    // Again: nothing left to delete of these, and no error (as a second instance pruning at once).
    const again = await Promise.all([pruneDeadRows(h.db.orm.em.fork(), at), pruneDeadRows(h.db.orm.em.fork(), at)]);
    for (const result of again)
      expect(result).toEqual({
        sessions: 0,
        oneTimeTokens: 0,
        oidcTickets: 0,
        webauthnChallenges: 0,
        mfaChallenges: 0,
        auditEvents: 0,
      });
  });

  it('after 64 sign-ins and a logout of them all, a prune once their refresh tokens expired leaves no session of the user', async () => {
    const username = uniqueName('dead');
    const registered = await h.caller().auth.register({ username, password: PASSWORD });
    let last = registered;
    for (let i = 1; i < 64; i++) last = await signIn(username);
    await h.caller(last.accessToken).auth.logoutAll();
    // The revoked rows stay for reuse detection until the refresh tokens would expire...
    expect((await pruneDeadRows(h.db.orm.em.fork(), now())).sessions).toBe(0);
    expect(await sessionsOf().count({ user: registered.user.id })).toBe(64);
    // ...then go.
    const later = new Date(clockMs + 31 * 86_400_000);
    expect((await pruneDeadRows(h.db.orm.em.fork(), later)).sessions).toBeGreaterThanOrEqual(64);
    expect(await sessionsOf().count({ user: registered.user.id })).toBe(0);
  });
});
