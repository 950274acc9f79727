/**
 * Two rows of the hostile-client table, replayed over real HTTP: a user's
 * sessions are bounded (and the prune deletes what is dead), and two admins
 * demoting or disabling each other at once never leave the service without
 * an enabled admin.
 */
import type { TokenPair } from '@repo/api';
import { pruneDeadRows, repositoriesOf } from '@repo/db';
import { describe, expect, it } from 'vitest';
import { login, register, type TestServer, useTestServer } from './helpers.js';

const setup = useTestServer();
const DAY_MS = 86_400_000;

async function liveSessionsOf(userId: string): Promise<number> {
  return repositoriesOf(setup.db.orm.em.fork()).sessions.count({ user: userId, revokedAt: null });
}

async function sessionRowsOf(userId: string): Promise<number> {
  return repositoriesOf(setup.db.orm.em.fork()).sessions.count({ user: userId });
}

async function refreshStatus(server: TestServer, pair: TokenPair): Promise<number> {
  return (await server.rest('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } })).status;
}

describe('sessions of one account', () => {
  it('64 correct sign-ins leave 20 live sessions, the least recently used ended; the prune deletes them once they expire', async () => {
    const registered = await register(setup.server);
    const pairs: TokenPair[] = [registered];
    for (let i = 1; i < 64; i++) pairs.push(await login(setup.server, registered.user.username));
    expect(await liveSessionsOf(registered.user.id)).toBe(20);
    // The oldest ended, the newest live.
    expect(await refreshStatus(setup.server, pairs[0] as TokenPair)).toBe(401);
    expect(await refreshStatus(setup.server, pairs[63] as TokenPair)).toBe(200);

    // Ended sessions are kept until their refresh token would have expired (reuse stays detectable)...
    expect(await sessionRowsOf(registered.user.id)).toBe(64);
    await pruneDeadRows(setup.db.orm.em.fork(), new Date());
    expect(await sessionRowsOf(registered.user.id)).toBe(64);
    // ...and then deleted.
    await pruneDeadRows(setup.db.orm.em.fork(), new Date(Date.now() + 31 * DAY_MS));
    expect(await sessionRowsOf(registered.user.id)).toBe(0);
  });
});

describe('the last enabled admin', () => {
  /** Two fresh admins, and no other enabled admin in the database. */
  async function twoAdmins(): Promise<[TokenPair, TokenPair]> {
    const users = repositoriesOf(setup.db.orm.em.fork()).users;
    await users.nativeUpdate({ role: 'admin' }, { role: 'user' });
    const a = await register(setup.server);
    const b = await register(setup.server);
    await users.nativeUpdate({ id: { $in: [a.user.id, b.user.id] } }, { role: 'admin' });
    return [a, b];
  }

  async function enabledAdmins(): Promise<number> {
    return repositoriesOf(setup.db.orm.em.fork()).users.count({ role: 'admin', disabledAt: null });
  }

  const demote = (by: TokenPair, target: TokenPair) =>
    setup.server.rest('POST', `/api/admin/users/${target.user.id}/role`, {
      token: by.accessToken,
      body: { role: 'user' },
    });
  const disable = (by: TokenPair, target: TokenPair) =>
    setup.server.rest('POST', `/api/admin/users/${target.user.id}/disable`, { token: by.accessToken });

  for (const [name, race] of [
    ['demote each other', (a: TokenPair, b: TokenPair) => [demote(a, b), demote(b, a)]],
    ['disable each other', (a: TokenPair, b: TokenPair) => [disable(a, b), disable(b, a)]],
    ['one demotes while the other disables', (a: TokenPair, b: TokenPair) => [demote(a, b), disable(b, a)]],
  ] as const) {
    it(`stays when two admins ${name} at once, round after round`, async () => {
      for (let round = 0; round < 5; round++) {
        const [a, b] = await twoAdmins();
        const statuses = (await Promise.all(race(a, b))).map((res) => res.status).sort();
        // One wins. The other was disabled first (its session ended: 401), demoted
        // first (no longer an admin: 403), or would have removed the last one (409).
        expect(statuses[0], `round ${round}`).toBe(200);
        expect([401, 403, 409], `round ${round}: ${statuses}`).toContain(statuses[1]);
        expect(await enabledAdmins(), `round ${round}`).toBe(1);
      }
    });
  }
});
