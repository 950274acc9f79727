import { type AuditEvent, pruneDeadRows, repositoriesOf } from '@repo/db';
import { createTestDatabase } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { createCaller } from '../src/root.js';
import type { MailMessage } from '../src/services/mail.js';
import { RateLimiterAuthThrottle } from '../src/services/throttle.js';
import { createApiServices } from '../src/services.js';
import {
  config,
  createHarness,
  type Harness,
  PASSWORD,
  refreshTokenOf,
  rejection,
  signedIn,
  signUp,
  signUpAdmin,
  uniqueName,
} from './helpers.js';

let clock = new Date();
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ now: () => clock });
});
afterAll(async () => {
  await h?.db.destroy();
});

/** The audit rows about a user, oldest first, read straight from the table. */
/** The rows about a user, oldest first, their details (JSON text) read. */
async function rowsAbout(
  userId: string,
): Promise<(Omit<AuditEvent, 'details'> & { details: Record<string, unknown> })[]> {
  const rows = await repositoriesOf(h.db.orm.em.fork()).auditEvents.find(
    { userId },
    { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
  );
  return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
}

const typesOf = (rows: { type: string }[]) => rows.map((row) => row.type);

describe('the audit log', () => {
  it('stores register, sign-in, a failed sign-in, refresh reuse, logout and a password change with subject, actor and address', async () => {
    const pair = await signUp(h);
    const id = pair.user.id;
    const wrong = h
      .caller(undefined, '198.51.100.9')
      .auth.login({ username: pair.user.username, password: 'nope-nope-nope' });
    expect((await rejection(wrong)).code).toBe('UNAUTHORIZED');
    const second = signedIn(await h.caller().auth.login({ username: pair.user.username, password: PASSWORD }));
    const rotated = await h.caller().auth.refresh({ refreshToken: refreshTokenOf(second) });
    expect(rotated.refreshToken).toBeDefined();
    // The retired token again: the session is ended as stolen.
    expect((await rejection(h.caller().auth.refresh({ refreshToken: refreshTokenOf(second) }))).code).toBe(
      'UNAUTHORIZED',
    );
    const third = signedIn(await h.caller().auth.login({ username: pair.user.username, password: PASSWORD }));
    await h.caller(third.accessToken).auth.logout();
    await h
      .caller(pair.accessToken)
      .user.changePassword({ currentPassword: PASSWORD, newPassword: 'a new long password' });

    const rows = await rowsAbout(id);
    expect(typesOf(rows)).toEqual([
      'register',
      'login.failed',
      'login.succeeded',
      'refresh.reuse_detected',
      'login.succeeded',
      'logout',
      'password.changed',
    ]);
    const byType = (type: string) => rows.find((row) => row.type === type);
    expect(byType('register')).toMatchObject({
      userId: id,
      actorId: id,
      clientAddress: '192.0.2.1',
      requestId: 'test-request',
    });
    // Nobody proved who tried: the subject is the account, there is no actor.
    expect(byType('login.failed')).toMatchObject({
      userId: id,
      actorId: null,
      clientAddress: '198.51.100.9',
      details: { username: pair.user.username.toLowerCase() },
    });
    expect(byType('refresh.reuse_detected')).toMatchObject({
      userId: id,
      actorId: null,
      details: { revokedSessions: 1 },
    });
    expect(byType('logout')).toMatchObject({ userId: id, actorId: id, details: { sessionId: expect.any(String) } });
    expect(byType('password.changed')).toMatchObject({ userId: id, actorId: id, details: { revokedSessions: 0 } });
  });

  it('stores a failed sign-in of an unknown name with the name tried and no user', async () => {
    const name = uniqueName('ghost');
    await rejection(h.caller().auth.login({ username: name, password: PASSWORD }));
    const rows = await repositoriesOf(h.db.orm.em.fork()).auditEvents.find({ type: 'login.failed', userId: null });
    expect(rows.map((row) => (JSON.parse(row.details) as { username?: string }).username)).toContain(
      name.toLowerCase(),
    );
  });

  it('stores admin changes with the admin as actor and the user acted on as subject', async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    await h.caller(admin.accessToken).admin.setRole({ id: bob.user.id, role: 'admin' });
    await h.caller(admin.accessToken).admin.setRole({ id: bob.user.id, role: 'user' });
    await h.caller(admin.accessToken).admin.disableUser({ id: bob.user.id });
    const rows = (await rowsAbout(bob.user.id)).filter((row) => row.type.startsWith('admin.'));
    expect(rows.map((row) => [row.type, row.actorId, row.details.role ?? null])).toEqual([
      ['admin.role_changed', admin.user.id, 'admin'],
      ['admin.role_changed', admin.user.id, 'user'],
      ['admin.user_disabled', admin.user.id, null],
    ]);
    expect(rows[2]?.details).toMatchObject({ targetUserId: bob.user.id, revokedSessions: 1 });
  });

  it('shows a user their own events, newest first, a page at a time, and never another user’s', async () => {
    const alice = await signUp(h);
    const mallory = await signUp(h);
    for (let i = 0; i < 3; i++) {
      clock = new Date(clock.getTime() + 1000);
      await h.caller().auth.login({ username: alice.user.username, password: PASSWORD });
    }
    await rejection(h.caller().auth.login({ username: alice.user.username, password: 'not the password' }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.caller(alice.accessToken).user.securityActivity({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const item of page.items) expect(item.userId).toBe(alice.user.id);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const stored = await rowsAbout(alice.user.id);
    expect(seen).toEqual(stored.map((row) => row.id).reverse());
    expect(seen).toHaveLength(5);
    const mine = await h.caller(mallory.accessToken).user.securityActivity({ limit: 100 });
    expect(mine.items.every((item) => item.userId === mallory.user.id)).toBe(true);
    expect(mine.items.map((item) => item.type)).toEqual(['register']);
  });

  it('lists every event for an admin, filtered by user, type and time; 403 for anyone else', async () => {
    const admin = await signUpAdmin(h);
    const carol = await signUp(h);
    const before = new Date(clock.getTime() + 1);
    clock = new Date(clock.getTime() + 60_000);
    await rejection(h.caller().auth.login({ username: carol.user.username, password: 'not the password' }));
    const byUser = await h.caller(admin.accessToken).admin.auditEvents({ userId: carol.user.id, limit: 100 });
    expect(byUser.items.map((item) => item.type)).toEqual(['login.failed', 'register']);
    expect(byUser.items[0]?.at).toBe(clock.toISOString());
    const failed = await h
      .caller(admin.accessToken)
      .admin.auditEvents({ type: 'login.failed', userId: carol.user.id, limit: 100 });
    expect(failed.items).toHaveLength(1);
    const since = await h
      .caller(admin.accessToken)
      .admin.auditEvents({ userId: carol.user.id, from: before.toISOString(), limit: 100 });
    expect(since.items.map((item) => item.type)).toEqual(['login.failed']);
    const until = await h
      .caller(admin.accessToken)
      .admin.auditEvents({ userId: carol.user.id, to: before.toISOString(), limit: 100 });
    expect(until.items.map((item) => item.type)).toEqual(['register']);
    expect((await rejection(h.caller(carol.accessToken).admin.auditEvents({ limit: 10 }))).code).toBe('FORBIDDEN');
    expect((await rejection(h.caller().admin.auditEvents({ limit: 10 }))).code).toBe('UNAUTHORIZED');
    expect(
      (await rejection(h.caller(admin.accessToken).admin.auditEvents({ limit: 10, cursor: 'bm90LWEtY3Vyc29y' }))).code,
    ).toBe('BAD_REQUEST');
  });

  it('keeps no row of a change that failed after its event was emitted: a taken name registers nobody', async () => {
    const pair = await signUp(h);
    const registered = async () => await repositoriesOf(h.db.orm.em.fork()).auditEvents.count({ type: 'register' });
    const before = await registered();
    // The unique index refuses the user at the flush that also holds the session and the audit row.
    const taken = h.caller().auth.register({ username: pair.user.username.toUpperCase(), password: PASSWORD });
    expect((await rejection(taken)).code).toBe('CONFLICT');
    expect(await registered()).toBe(before);
  });

  it('writes a sign-in past the session limit as its row, then the sessions it ended as session.revoked', async () => {
    const small = await createHarness({ db: h.db, now: () => clock, config: { sessionMaxPerUser: 2 } });
    const pair = await small.caller().auth.register({ username: uniqueName('limit'), password: PASSWORD });
    await small.caller().auth.login({ username: pair.user.username, password: PASSWORD });
    await small.caller().auth.login({ username: pair.user.username, password: PASSWORD });
    const rows = await rowsAbout(pair.user.id);
    expect(typesOf(rows)).toEqual(['register', 'login.succeeded', 'login.succeeded', 'session.revoked']);
    expect(rows[3]).toMatchObject({
      actorId: pair.user.id,
      details: { reason: 'session_limit', revokedSessions: 1 },
    });
  });

  it('is pruned past the retention, and only past it', async () => {
    const start = clock;
    clock = new Date(start.getTime() - 401 * 86_400_000);
    const old = await signUp(h);
    clock = new Date(start.getTime() - 399 * 86_400_000);
    await h.caller().auth.login({ username: old.user.username, password: PASSWORD });
    clock = start;
    const deleted = await pruneDeadRows(h.db.orm.em.fork(), start, { auditRetentionMs: 400 * 86_400_000 });
    expect(deleted.auditEvents).toBeGreaterThanOrEqual(1);
    expect(typesOf(await rowsAbout(old.user.id))).toEqual(['login.succeeded']);
  });
});

describe('when the audit insert fails', () => {
  it('answers a refusal and reports its row lost; a change whose row is in its unit of work fails whole and changes nothing', async () => {
    const db = await createTestDatabase();
    try {
      const lost: { type: string }[] = [];
      const mailed: MailMessage[] = [];
      const services = createApiServices(
        { ...config, resetRequestMinMs: 0 },
        {
          throttle: RateLimiterAuthThrottle.inMemory({ maxRegistrationsPerAddress: 1000 }),
          onAuditAppendFailed: (_error, rows) => lost.push(...rows),
          mailer: { send: async (message) => void mailed.push(message) },
        },
      );
      const caller = (token?: string) =>
        createCaller(
          createContext({
            em: db.orm.em,
            services,
            authorization: token ? `Bearer ${token}` : undefined,
            clientAddress: '192.0.2.1',
          }),
        );
      const repos = () => repositoriesOf(db.orm.em.fork());
      const liveSessionsOf = (userId: string) => repos().sessions.count({ user: userId, revokedAt: null });
      const failsWhole = async (call: Promise<unknown>) =>
        expect((await rejection(call)).code).toBe('INTERNAL_SERVER_ERROR');

      // Made while the table is there: two accounts (one with a verified address), an admin, and sessions to end.
      const email = `${uniqueName()}@example.test`;
      const pair = await caller().auth.register({ username: uniqueName(), password: PASSWORD, email });
      await services.email.idle();
      const link = /token=([\w-]+)/.exec(mailed.at(-1)?.text ?? '')?.[1] ?? '';
      await caller().auth.verifyEmail({ token: link });
      const admin = await caller().auth.register({ username: uniqueName('admin'), password: PASSWORD });
      await repos().users.nativeUpdate({ id: admin.user.id }, { role: 'admin' });
      const other = signedIn(await caller().auth.login({ username: pair.user.username, password: PASSWORD }));
      const retired = refreshTokenOf(other);
      const rotated = await caller().auth.refresh({ refreshToken: retired });
      await db.orm.em.getConnection().execute('drop table audit_events');

      // Appended after the call: the refusal is answered as usual, the row is reported (the server logs it at error).
      await rejection(caller().auth.login({ username: pair.user.username, password: 'not the password' }));
      expect(lost.map((row) => row.type)).toEqual(['login.failed']);

      // In the change's unit of work: no row, no change.
      const name = uniqueName('nobody');
      await failsWhole(caller().auth.register({ username: name, password: PASSWORD }));
      expect(await repos().users.count({ usernameKey: name.toLowerCase() })).toBe(0);
      const sessionsBefore = await liveSessionsOf(pair.user.id);
      expect(sessionsBefore).toBe(2);
      await failsWhole(caller().auth.login({ username: pair.user.username, password: PASSWORD }));
      expect(await liveSessionsOf(pair.user.id)).toBe(sessionsBefore);
      await failsWhole(caller(pair.accessToken).auth.logout());
      await failsWhole(caller(pair.accessToken).auth.logoutAll());
      await failsWhole(caller(pair.accessToken).user.revokeSession({ id: sessionIdOf(rotated.accessToken) }));
      // The retired refresh token again: the revocation for reuse is rolled back with its row.
      await failsWhole(caller().auth.refresh({ refreshToken: retired }));
      expect(await liveSessionsOf(pair.user.id)).toBe(sessionsBefore);
      expect((await caller(pair.accessToken).user.me()).id).toBe(pair.user.id);
      expect((await caller(rotated.accessToken).user.me()).id).toBe(pair.user.id);
      await failsWhole(caller(admin.accessToken).admin.setRole({ id: pair.user.id, role: 'admin' }));
      expect((await repos().users.findOneOrFail({ id: pair.user.id })).role).toBe('user');
      await failsWhole(
        caller(pair.accessToken).user.changePassword({
          currentPassword: PASSWORD,
          newPassword: 'another long password',
        }),
      );
      await failsWhole(caller(admin.accessToken).admin.disableUser({ id: pair.user.id }));
      expect((await repos().users.findOneOrFail({ id: pair.user.id })).disabledAt).toBeNull();
      // A link is stored with its row, or neither: no new token, and no mail goes out.
      const tokensBefore = await repos().oneTimeTokens.find({ user: pair.user.id });
      const mailsBefore = mailed.length;
      await failsWhole(caller().auth.requestPasswordReset({ email }));
      await failsWhole(
        caller(pair.accessToken).user.setEmail({ email: `${uniqueName()}@example.test`, currentPassword: PASSWORD }),
      );
      await services.email.idle();
      expect(await repos().oneTimeTokens.find({ user: pair.user.id })).toEqual(tokensBefore);
      expect(mailed.length).toBe(mailsBefore);
      // Still the old password, the same sessions: nothing changed.
      expect(await liveSessionsOf(pair.user.id)).toBe(sessionsBefore);
      expect(lost.map((row) => row.type)).toEqual(['login.failed']);
    } finally {
      await db.destroy();
    }
  });
});

/** The session id an access token names. */
function sessionIdOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sid?: string };
  return payload.sid ?? '';
}
