/**
 * The admin routes over real HTTP, REST and tRPC: the statuses of the
 * contract, the security events in the log, and a disable racing the user's
 * own refreshes and sign-ins.
 */
import { createApiServices, type SecurityEvent, type TokenPair } from '@repo/api';
import { repositoriesOf, usernameKeyOf } from '@repo/db';
import { describe, expect, it } from 'vitest';
import { apiConfig, login, meStatus, PASSWORD, register, type TestServer, useTestServer } from './helpers.js';

const events: SecurityEvent[] = [];
const setup = useTestServer({ services: createApiServices(apiConfig, { events: (event) => events.push(event) }) });

/** A new account promoted to admin in the database, as an operator (or `pnpm db:seed`) would. */
async function registerAdmin(server: TestServer): Promise<TokenPair> {
  const pair = await register(server);
  await repositoriesOf(setup.db.orm.em.fork()).users.nativeUpdate({ id: pair.user.id }, { role: 'admin' });
  return pair;
}

const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

describe('POST /api/admin/users/{id}/role', () => {
  it('sets the role for an admin: 200 with the user', async () => {
    const admin = await registerAdmin(setup.server);
    const bob = await register(setup.server);
    const res = await setup.server.rest('POST', `/api/admin/users/${bob.user.id}/role`, {
      token: admin.accessToken,
      body: { role: 'admin' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...bob.user, role: 'admin' });
    const me = await setup.server.rest('GET', '/api/users/me', { token: bob.accessToken });
    expect(me.body.role).toBe('admin');
  });

  it('answers 403 to a non-admin, 401 without a token, 404 for no such user, 400 naming a bad role', async () => {
    const admin = await registerAdmin(setup.server);
    const bob = await register(setup.server);
    const call = (id: string, body: unknown, token?: string) =>
      setup.server.rest('POST', `/api/admin/users/${id}/role`, { body, ...(token ? { token } : {}) });
    expect((await call(bob.user.id, { role: 'admin' }, bob.accessToken)).status).toBe(403);
    expect((await call(bob.user.id, { role: 'admin' })).status).toBe(401);
    expect((await call(UNKNOWN_ID, { role: 'admin' }, admin.accessToken)).status).toBe(404);
    const bad = await call(bob.user.id, { role: 'root' }, admin.accessToken);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^role: /);
    expect((await setup.server.rest('GET', '/api/users/me', { token: bob.accessToken })).body.role).toBe('user');
  });
});

describe('POST /api/admin/users/{id}/disable', () => {
  it('ends the sessions of the user at once and keeps them from signing in; both are security events', async () => {
    const admin = await registerAdmin(setup.server);
    const bob = await register(setup.server);
    const res = await setup.server.rest('POST', `/api/admin/users/${bob.user.id}/disable`, {
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: bob.user.id, revokedSessions: 1 });
    expect(await meStatus(setup.server, bob.accessToken)).toBe(401);
    const refresh = await setup.server.rest('POST', '/api/auth/refresh', { body: { refreshToken: bob.refreshToken } });
    expect(refresh.status).toBe(401);
    const signIn = await setup.server.rest('POST', '/api/auth/login', {
      body: { username: bob.user.username, password: PASSWORD },
    });
    const wrong = await setup.server.rest('POST', '/api/auth/login', {
      body: { username: bob.user.username, password: 'not the password' },
    });
    expect(signIn.status).toBe(401);
    expect(signIn.body).toEqual(wrong.body);

    expect(events).toContainEqual(
      expect.objectContaining({ type: 'admin.user_disabled', userId: admin.user.id, targetUserId: bob.user.id }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'login.disabled',
        userId: bob.user.id,
        username: usernameKeyOf(bob.user.username),
      }),
    );
  });

  it('answers 403 to a non-admin (the target stays signed in), 401 without a token, 404 for no such user', async () => {
    const admin = await registerAdmin(setup.server);
    const bob = await register(setup.server);
    const mallory = await register(setup.server);
    const call = (id: string, token?: string) =>
      setup.server.rest('POST', `/api/admin/users/${id}/disable`, token ? { token } : {});
    expect((await call(bob.user.id, mallory.accessToken)).status).toBe(403);
    expect((await call(bob.user.id)).status).toBe(401);
    expect((await call(UNKNOWN_ID, admin.accessToken)).status).toBe(404);
    expect(await meStatus(setup.server, bob.accessToken)).toBe(200);
  });

  it('leaves no working session when the user refreshes, signs in and calls in parallel with the disable (REST and a tRPC batch)', async () => {
    const admin = await registerAdmin(setup.server);
    const bob = await register(setup.server);
    const sessions = await Promise.all([
      login(setup.server, bob.user.username),
      login(setup.server, bob.user.username),
    ]);
    const bobTrpc = setup.server.trpc(bob.accessToken);
    const [refreshes, disable, signIns, batch] = await Promise.all([
      Promise.all(
        [bob, ...sessions].map((pair) =>
          setup.server.rest<TokenPair>('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } }),
        ),
      ),
      setup.server.trpc(admin.accessToken).admin.disableUser.mutate({ id: bob.user.id }),
      Promise.all(
        Array.from({ length: 3 }, () =>
          setup.server.rest<TokenPair>('POST', '/api/auth/login', {
            body: { username: bob.user.username, password: PASSWORD },
          }),
        ),
      ),
      Promise.allSettled([bobTrpc.user.me.query(), bobTrpc.auth.logoutAll.mutate(), bobTrpc.user.me.query()]),
    ]);
    expect(disable.id).toBe(bob.user.id);
    expect(batch).toHaveLength(3);
    const pairs = [bob, ...sessions, ...[...refreshes, ...signIns].filter((r) => r.status === 200).map((r) => r.body)];
    for (const pair of pairs) {
      expect(await meStatus(setup.server, pair.accessToken)).toBe(401);
      const refresh = await setup.server.rest('POST', '/api/auth/refresh', {
        body: { refreshToken: pair.refreshToken },
      });
      expect(refresh.status).toBe(401);
    }
  });
});
