/**
 * A database made by the previous release (MikroORM 6, the migrations of that
 * day, users and sessions written by its repositories) keeps working under
 * this code: the migrator applies the migrations written since on top of it, the
 * schema is then the one today's migrations make, and every stored account and session is usable
 * through the API services (login, refresh, the session check, user pages,
 * registration next to the old rows, a password change).
 *
 * The databases are loaded from SQL dumps taken under MikroORM 6
 * (test/fixtures/mikro-orm-6.*.sql), on the dialect of the test project.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateToLatest, repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase, testDialect } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../src/services/tokens.js';
import { config, createHarness, type Harness, PASSWORD, rejection, signedIn } from './helpers.js';

const dialect = testDialect();

/** The statements of the dump, in order. */
function statementsOf(file: string): string[] {
  return readFileSync(join(import.meta.dirname, 'fixtures', file), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(/;\n/)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

/** The definitions of the app's tables and indexes, as the database reports them. */
async function schemaOf(db: TestDatabase): Promise<string[]> {
  const connection = db.orm.em.getConnection();
  if (db.dialect === 'sqlite') {
    const rows: { sql: string }[] = await connection.execute(
      "select sql from sqlite_master where tbl_name in ('users', 'sessions') and sql is not null order by name",
    );
    return rows.map((row) => row.sql);
  }
  const definitions: string[] = [];
  for (const table of ['users', 'sessions']) {
    const [row] = await connection.execute<Record<string, string>[]>(`show create table \`${table}\``);
    definitions.push(row?.['Create Table'] ?? '');
  }
  return definitions;
}

let old: TestDatabase;
let fresh: TestDatabase;
let h: Harness;
/** Signs tokens as the server of the previous release did, with the same secrets. */
const tokens = new TokenService(config);

interface OldSession {
  id: string;
  userId: string;
  refreshTokenId: string;
}

async function sessionOf(refreshTokenId: string): Promise<OldSession> {
  const rows = await old.orm.em
    .getConnection()
    .execute<{ id: string; user_id: string }[]>('select id, user_id from `sessions` where refresh_token_id = ?', [
      refreshTokenId,
    ]);
  const row = rows[0];
  if (!row) throw new Error(`no session with refresh token id ${refreshTokenId} in the dump`);
  return { id: row.id, userId: row.user_id, refreshTokenId };
}

/** The token ids the dump's sessions were written with. */
const ALICE_LIVE = '0190a000-0000-7000-8000-00000000a001';
const ALICE_LOGGED_OUT = '0190a000-0000-7000-8000-00000000a002';
const ALICE_EXPIRED = '0190a000-0000-7000-8000-00000000a003';
const BOB_LIVE = '0190a000-0000-7000-8000-00000000b001';
/** Alice's `created_at` in the dumps. */
const ALICE_CREATED_AT = { sqlite: '2026-11-30T15:06:45.258Z', mysql: '2026-11-30T15:06:45.503Z' };
let appliedOnTheDump: string[] = [];

beforeAll(async () => {
  old = await createTestDatabase(dialect, { migrate: false });
  const connection = old.orm.em.getConnection();
  for (const statement of statementsOf(`mikro-orm-6.${dialect}.sql`)) await connection.execute(statement);
  // The dump is at the initial migration; later ones (users.disabled_at…) apply on top of its rows.
  appliedOnTheDump = await migrateToLatest(old.orm);
  fresh = await createTestDatabase(dialect);
  h = await createHarness({ db: old });
});
afterAll(async () => {
  await old?.destroy();
  await fresh?.destroy();
});

describe(`a ${dialect} database migrated and written by MikroORM 6`, () => {
  it('takes the migrations written since the dump, and then has the schema a fresh database gets', async () => {
    const all = (await fresh.orm.migrator.getExecuted()).map((m) => m.name);
    expect(['Migration20261126103243_initial', ...appliedOnTheDump]).toEqual(all);
    expect((await old.orm.migrator.getExecuted()).map((m) => m.name)).toEqual(all);
    expect(await schemaOf(old)).toEqual(await schemaOf(fresh));
  });

  it('keeps every user, with the dates and roles they were stored with', async () => {
    const { users } = repositoriesOf(old.orm.em.fork());
    const page = await users.page(10);
    expect(page.items.map(({ username, role }) => ({ username, role }))).toEqual([
      { username: 'Alice', role: 'user' },
      { username: 'bob_admin', role: 'admin' },
    ]);
    const alice = await users.findByUsernameWithHash('alice');
    expect(alice?.passwordHash).toMatch(/^\$2b\$04\$/);
    expect(alice?.createdAt).toEqual(page.items[0]?.createdAt);
    // The instant MikroORM 6 stored (epoch ms on SQLite, a UTC datetime on MySQL), read back unchanged.
    expect(alice?.createdAt.toISOString()).toBe(ALICE_CREATED_AT[dialect]);
    const bob = await users.findByUsernameWithHash('BOB_ADMIN');
    expect(bob?.passwordChangedAt).toBeInstanceOf(Date);
  });

  it('signs its users in with their passwords, and user.me answers with the stored account', async () => {
    const pair = signedIn(await h.caller().auth.login({ username: 'Alice', password: PASSWORD }));
    const me = await h.caller(pair.accessToken).user.me();
    expect(me).toMatchObject({ username: 'Alice', role: 'user' });
    const admin = signedIn(await h.caller().auth.login({ username: 'bob_admin', password: PASSWORD }));
    expect(await h.caller(admin.accessToken).user.me()).toMatchObject({ username: 'bob_admin', role: 'admin' });
    const list = await h.caller(pair.accessToken).user.list({ limit: 10 });
    expect(list.items.map((u) => u.username)).toEqual(['Alice', 'bob_admin']);
  });

  it('honours the sessions it stored: a live one checks and refreshes, a logged-out or expired one does not', async () => {
    const bob = await sessionOf(BOB_LIVE);
    const access = tokens.issueAccessToken({ userId: bob.userId, sessionId: bob.id }, new Date()).token;
    expect(await h.caller(access).user.me()).toMatchObject({ id: bob.userId, username: 'bob_admin' });

    const live = await sessionOf(ALICE_LIVE);
    const refresh = tokens.issueRefreshToken(
      { userId: live.userId, sessionId: live.id },
      live.refreshTokenId,
      new Date(),
    );
    const next = await h.caller().auth.refresh({ refreshToken: refresh.token });
    expect(await h.caller(next.accessToken).user.me()).toMatchObject({ username: 'Alice' });
    // Rotated: the token of the previous release is now a retired one.
    expect((await rejection(h.caller().auth.refresh({ refreshToken: refresh.token }))).code).toBe('UNAUTHORIZED');

    for (const tokenId of [ALICE_LOGGED_OUT, ALICE_EXPIRED]) {
      const ended = await sessionOf(tokenId);
      const subject = { userId: ended.userId, sessionId: ended.id };
      const error = await rejection(
        h.caller().auth.refresh({ refreshToken: tokens.issueRefreshToken(subject, tokenId, new Date()).token }),
      );
      expect(error.code).toBe('UNAUTHORIZED');
      const check = await rejection(h.caller(tokens.issueAccessToken(subject, new Date()).token).user.me());
      expect(check.code).toBe('UNAUTHORIZED');
    }
  });

  it('registers new users next to the old ones, and its unique index still refuses a name in another case', async () => {
    const pair = await h.caller().auth.register({ username: 'carol_new', password: PASSWORD });
    expect(await h.caller(pair.accessToken).user.me()).toMatchObject({ username: 'carol_new' });
    expect((await rejection(h.caller().auth.register({ username: 'ALICE', password: PASSWORD }))).code).toBe(
      'CONFLICT',
    );
  });

  it("changes an old user's password and ends the sessions the previous release stored", async () => {
    const pair = signedIn(await h.caller().auth.login({ username: 'bob_admin', password: PASSWORD }));
    const revoked = await h
      .caller(pair.accessToken)
      .user.changePassword({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    expect(revoked).toMatchObject({ revokedSessions: expect.any(Number) });
    const bob = await sessionOf(BOB_LIVE);
    const stale = tokens.issueAccessToken({ userId: bob.userId, sessionId: bob.id }, new Date()).token;
    expect((await rejection(h.caller(stale).user.me())).code).toBe('UNAUTHORIZED');
    signedIn(await h.caller().auth.login({ username: 'bob_admin', password: 'a brand new passphrase' }));
  });
});
