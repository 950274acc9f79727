import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { adminProcedure, router } from '../src/trpc.js';
import { createHarness, type Harness, PASSWORD, rejection, signedIn, uniqueName } from './helpers.js';

let h: Harness;
let alice: Awaited<ReturnType<ReturnType<Harness['caller']>['auth']['register']>>;
beforeAll(async () => {
  h = await createHarness();
  alice = await h.caller().auth.register({ username: uniqueName('alice'), password: PASSWORD });
});
afterAll(async () => {
  await h?.db.destroy();
});

describe('user.me / user.byId', () => {
  it('returns the public fields, and to the user alone its own address and whether it is verified', async () => {
    const { email, emailVerified, pendingEmail, ...me } = await h.caller(alice.accessToken).user.me();
    expect(Object.keys(me).sort()).toEqual(['createdAt', 'id', 'role', 'username']);
    expect({ email, emailVerified, pendingEmail }).toEqual({ email: null, emailVerified: false, pendingEmail: null });
    expect(await h.caller(alice.accessToken).user.byId({ id: me.id })).toEqual(me);
  });

  it('answers NOT_FOUND for an unknown id', async () => {
    const error = await rejection(
      h.caller(alice.accessToken).user.byId({ id: '00000000-0000-7000-8000-000000000000' }),
    );
    expect(error.code).toBe('NOT_FOUND');
  });

  it('needs a signed-in caller', async () => {
    expect((await rejection(h.caller().user.me())).code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller().user.byId({ id: alice.user.id }))).code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller().user.list({ limit: 5 }))).code).toBe('UNAUTHORIZED');
  });
});

describe('user.list', () => {
  it('pages through every user exactly once with cursors', async () => {
    for (let i = 0; i < 5; i += 1) await h.caller().auth.register({ username: uniqueName('page'), password: PASSWORD });
    const all = await h.caller(alice.accessToken).user.list({ limit: 100 });
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.caller(alice.accessToken).user.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((u) => u.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('lists each user as user.byId shows it (name, role, creation time to the millisecond)', async () => {
    const page = await h.caller(alice.accessToken).user.list({ limit: 100 });
    expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) {
      expect(item).toEqual(await h.caller(alice.accessToken).user.byId({ id: item.id }));
    }
    const {
      email: _email,
      emailVerified: _verified,
      pendingEmail: _pending,
      ...me
    } = await h.caller(alice.accessToken).user.me();
    expect(page.items).toContainEqual(me);
  });

  it('defaults to 20 and caps the limit at 100', async () => {
    for (let i = 0; i < 16; i += 1)
      await h.caller().auth.register({ username: uniqueName('many'), password: PASSWORD });
    const page = await h.caller(alice.accessToken).user.list({});
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).not.toBeNull();
    for (const limit of [0, 101, 1.5]) {
      const error = await rejection(h.caller(alice.accessToken).user.list({ limit }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/^limit: /);
    }
  });
});

describe('user.changePassword', () => {
  it('changes the password and ends every other session, not the current one', async () => {
    const username = uniqueName('changer');
    const current = await h.caller().auth.register({ username, password: PASSWORD });
    const other = signedIn(await h.caller().auth.login({ username, password: PASSWORD }));
    const third = signedIn(await h.caller().auth.login({ username, password: PASSWORD }));
    const result = await h
      .caller(current.accessToken)
      .user.changePassword({ currentPassword: PASSWORD, newPassword: 'a brand new password' });
    expect(result).toEqual({ revokedSessions: 2 });
    await expect(h.caller(current.accessToken).user.me()).resolves.toMatchObject({ username });
    await expect(h.caller().auth.refresh({ refreshToken: current.refreshToken })).resolves.toBeTruthy();
    for (const ended of [other, third]) {
      expect((await rejection(h.caller(ended.accessToken).user.me())).code).toBe('UNAUTHORIZED');
      expect((await rejection(h.caller().auth.refresh({ refreshToken: ended.refreshToken }))).code).toBe(
        'UNAUTHORIZED',
      );
    }
    expect((await rejection(h.caller().auth.login({ username, password: PASSWORD }))).code).toBe('UNAUTHORIZED');
    await expect(h.caller().auth.login({ username, password: 'a brand new password' })).resolves.toBeTruthy();
  });

  it('refuses a wrong current password with BAD_REQUEST naming the field, changing nothing', async () => {
    const username = uniqueName('keeper');
    const pair = await h.caller().auth.register({ username, password: PASSWORD });
    const other = signedIn(await h.caller().auth.login({ username, password: PASSWORD }));
    const error = await rejection(
      h
        .caller(pair.accessToken)
        .user.changePassword({ currentPassword: 'not my password', newPassword: 'whatever else' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^currentPassword: /);
    await expect(h.caller(other.accessToken).user.me()).resolves.toBeTruthy();
    await expect(h.caller().auth.login({ username, password: PASSWORD })).resolves.toBeTruthy();
  });

  it('applies the password rules to the new password', async () => {
    const error = await rejection(
      h.caller(alice.accessToken).user.changePassword({ currentPassword: PASSWORD, newPassword: 'short' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^newPassword: /);
  });
});

describe('adminProcedure', () => {
  // The contract has no admin-only route yet; a router of the template's
  // consumers is built the same way.
  const adminRouter = router({ secret: adminProcedure.query(() => 'for admins') });
  const callerFor = (accessToken: string) =>
    adminRouter.createCaller(
      createContext({ em: h.db.orm.em, services: h.services, authorization: `Bearer ${accessToken}` }),
    );

  it('refuses a signed-in user without the admin role with FORBIDDEN', async () => {
    expect((await rejection(callerFor(alice.accessToken).secret())).code).toBe('FORBIDDEN');
  });

  it('lets an admin through', async () => {
    const username = uniqueName('admin');
    const pair = await h.caller().auth.register({ username, password: PASSWORD });
    const em = h.db.orm.em.fork();
    await em.getConnection().execute(`update users set role = 'admin' where id = ?`, [pair.user.id]);
    await expect(callerFor(pair.accessToken).secret()).resolves.toBe('for admins');
  });
});

describe('no secret leaves the server', () => {
  it('no procedure output contains a password or a password hash', async () => {
    const username = uniqueName('leak');
    const pair = await h.caller().auth.register({ username, password: PASSWORD });
    const outputs = [
      pair,
      signedIn(await h.caller().auth.login({ username, password: PASSWORD })),
      await h.caller(pair.accessToken).user.me(),
      await h.caller(pair.accessToken).user.byId({ id: pair.user.id }),
      await h.caller(pair.accessToken).user.list({ limit: 100 }),
    ];
    const text = JSON.stringify(outputs);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/\$2[aby]\$/);
  });

  it('an unexpected failure reaches the caller as a bare INTERNAL_SERVER_ERROR', async () => {
    const failing = router({
      boom: adminProcedure.query(() => {
        throw new Error('select * from users -- secret internals');
      }),
    });
    const username = uniqueName('boom');
    const pair = await h.caller().auth.register({ username, password: PASSWORD });
    await h.db.orm.em.fork().getConnection().execute(`update users set role = 'admin' where id = ?`, [pair.user.id]);
    const error = await rejection(
      failing
        .createCaller(
          createContext({ em: h.db.orm.em, services: h.services, authorization: `Bearer ${pair.accessToken}` }),
        )
        .boom(),
    );
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
