import { tmpdir } from 'node:os';
import { type MikroORM, UniqueConstraintViolationException } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readRows } from '../src/driver/index.js';
import {
  ACQUIRE_TIMEOUT_CODE,
  createOrm,
  migrateToLatest,
  pingDatabase,
  poolUseOf,
  repositoriesOf,
  resolveDatabaseTarget,
  seedUsers,
  type User,
} from '../src/index.js';
import { mysqlMigrations } from '../src/migrations/mysql/index.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../src/testing.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

const HASH = '$2b$04$abcdefghijklmnopqrstuu5Zq0hKq7Y3Yk2m3vJ4s8cQe3QfTt7p2'; // any 60 chars

async function addUser(username: string): Promise<User> {
  const em = db.orm.em.fork();
  const user = repositoriesOf(em).users.add({ username, passwordHash: HASH });
  await em.flush();
  return user;
}

describe('migrations', () => {
  it('are all applied once, and a second run applies nothing', async () => {
    expect(await migrateToLatest(db.orm)).toEqual([]);
    expect(await pingDatabase(db.orm)).toBe(true);
  });

  it('keep the users and sessions stored before users.disabled_at working', async () => {
    const old = await createTestDatabase(testDialect(), { migrate: false });
    try {
      await old.orm.migrator.up({ to: 'Migration20261126103243_initial' });
      const connection = old.orm.em.getConnection();
      const at = (date: Date) => old.orm.em.getPlatform().processDateProperty(date);
      const now = new Date();
      const [userId, sessionId, tokenId] = [
        '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6a',
        '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6b',
        '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6c',
      ];
      await connection.execute(
        'insert into `users` (id, username, username_key, password_hash, role, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)',
        [userId, 'Veteran', 'veteran', HASH, 'admin', at(now), at(now)],
      );
      await connection.execute(
        'insert into `sessions` (id, user_id, refresh_token_id, expires_at, created_at, last_used_at) values (?, ?, ?, ?, ?, ?)',
        [sessionId, userId, tokenId, at(new Date(now.getTime() + 60_000)), at(now), at(now)],
      );
      expect((await migrateToLatest(old.orm)).length).toBeGreaterThan(0);
      const repos = repositoriesOf(old.orm.em.fork());
      expect((await repos.sessions.findLiveIdentity(sessionId, now))?.user).toMatchObject({
        username: 'Veteran',
        role: 'admin',
      });
      expect((await repos.sessions.findAliveWithUser(sessionId, now))?.user.disabledAt).toBeNull();
    } finally {
      await old.destroy();
    }
  });

  it('keep verified addresses and turn unverified ones into pending claims that block nobody', async () => {
    const old = await createTestDatabase(testDialect(), { migrate: false });
    try {
      await old.orm.migrator.up({ to: 'Migration20261130153653_disable_users' });
      const connection = old.orm.em.getConnection();
      const at = (date: Date) => old.orm.em.getPlatform().processDateProperty(date);
      const now = new Date();
      const inAnHour = new Date(now.getTime() + 3_600_000);
      const id = (n: number) => `019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4f${n.toString().padStart(2, '0')}`;
      const addOldUser = (n: number, email: string | null, verifiedAt: Date | null) =>
        connection.execute(
          'insert into `users` (id, username, username_key, password_hash, role, created_at, updated_at, email, email_key, email_verified_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            id(n),
            `u${n}`,
            `u${n}`,
            HASH,
            'user',
            at(now),
            at(now),
            email,
            email?.toLowerCase() ?? null,
            verifiedAt && at(verifiedAt),
          ],
        );
      const addOldToken = (n: number, userN: number, purpose: string, hash: string, email: string | null) =>
        connection.execute(
          'insert into `one_time_tokens` (id, user_id, purpose, token_hash, email, expires_at, used_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
          [id(50 + n), id(userN), purpose, hash, email, at(inAnHour), null, at(now)],
        );
      await addOldUser(1, 'Verified@Example.com', now);
      await addOldUser(2, 'Linked@Example.com', null);
      await addOldUser(3, 'Unlinked@Example.com', null);
      await addOldUser(4, null, null);
      await addOldToken(1, 1, 'reset_password', 'a'.repeat(64), null);
      await addOldToken(2, 2, 'verify_email', 'b'.repeat(64), 'Linked@Example.com');
      await addOldToken(3, 1, 'verify_email', 'd'.repeat(64), null);

      expect(await migrateToLatest(old.orm)).toContain('Migration20261206032000_pending_email_claims');
      const { users, oneTimeTokens } = repositoriesOf(old.orm.em.fork());
      const emails = async (n: number) => {
        const user = await users.findOneOrFail({ id: id(n) });
        return { email: user.email, pending: await oneTimeTokens.pendingEmailOf(id(n), new Date()) };
      };
      expect(await emails(1)).toEqual({ email: 'Verified@Example.com', pending: null });
      expect(await emails(2)).toEqual({ email: null, pending: 'Linked@Example.com' });
      expect(await emails(3)).toEqual({ email: null, pending: 'Unlinked@Example.com' });
      expect(await emails(4)).toEqual({ email: null, pending: null });
      // The link user 2 already holds still confirms its address; user 1's reset link is bound to its address.
      expect(await oneTimeTokens.spend('b'.repeat(64), 'verify_email', new Date())).toEqual({
        userId: id(2),
        email: 'Linked@Example.com',
      });
      expect(await oneTimeTokens.spend('a'.repeat(64), 'reset_password', new Date())).toEqual({
        userId: id(1),
        email: 'Verified@Example.com',
      });
      // A pending address is free for anyone to verify.
      await users.setVerifiedEmail(id(4), 'unlinked@example.com', new Date());
      expect((await users.findByEmail('UNLINKED@example.com'))?.id).toBe(id(4));
    } finally {
      await old.destroy();
    }
  });

  // On MariaDB (the MySQL stand-in here) MikroORM's MySQL driver misreads
  // enum defaults and always proposes a no-op change, so the check is SQLite's.
  it.runIf(testDialect() === 'sqlite')('leave nothing between the entities and the schema', async () => {
    expect(await db.orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  });
});

describe.runIf(testDialect() === 'mysql')('the query timeout (MySQL)', () => {
  it('does not apply to migrations, and applies again once they are done', async () => {
    const empty = await createTestDatabase('mysql', { migrate: false });
    // 1 ms: no DDL statement answers that fast, a bounded migration would fail.
    const orm = await createOrm({ url: empty.url, rootDir: tmpdir(), quiet: true, queryTimeoutMs: 1 });
    try {
      expect(await migrateToLatest(orm)).toHaveLength(mysqlMigrations.length);
      await expect(orm.em.getConnection().execute('select sleep(0.2)')).rejects.toMatchObject({
        code: 'PROTOCOL_SEQUENCE_TIMEOUT',
      });
    } finally {
      await orm.close(true);
      await empty.destroy();
    }
  });
});

describe("the pool's use (metrics)", () => {
  it.runIf(testDialect() === 'sqlite')('is not counted on SQLite (one connection, no pool)', () => {
    expect(poolUseOf(db.orm)).toBeUndefined();
  });

  it.runIf(testDialect() === 'mysql')(
    'counts connections held, callers waiting and waits given up, and connections given back',
    async () => {
      /** Two transactions that hold both connections of a pool of 2 until `release()`. */
      const holdBoth = (orm: MikroORM) => {
        let release = () => {};
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        const done = Promise.all(
          [0, 1].map(() =>
            orm.em.fork().transactional(async (em) => {
              await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
              await released;
            }),
          ),
        );
        return { release, done };
      };
      const soon = { timeout: 15_000 };
      // A wait far longer than the test: the third caller waits until a connection is given back.
      const patient = await createOrm({
        url: db.url,
        rootDir: tmpdir(),
        quiet: true,
        poolMax: 2,
        acquireTimeoutMs: 60_000,
      });
      // A wait of 2 s: time enough to open a connection, and a caller behind a held one gives up.
      const hasty = await createOrm({
        url: db.url,
        rootDir: tmpdir(),
        quiet: true,
        poolMax: 2,
        acquireTimeoutMs: 2000,
      });
      try {
        const use = poolUseOf(patient);
        expect(use).toEqual({ max: 2, inUse: 0, waiting: 0, acquireTimeouts: 0 });
        const held = holdBoth(patient);
        await vi.waitFor(() => expect(use?.inUse).toBe(2), soon);
        const third = patient.em.getConnection().execute('select 1');
        await vi.waitFor(() => expect(use?.waiting).toBe(1), soon);
        held.release();
        await held.done;
        await third;
        expect(use).toEqual({ max: 2, inUse: 0, waiting: 0, acquireTimeouts: 0 });

        const hastyUse = poolUseOf(hasty);
        const hastyHeld = holdBoth(hasty);
        await vi.waitFor(() => expect(hastyUse?.inUse).toBe(2), soon);
        await expect(hasty.em.getConnection().execute('select 1')).rejects.toMatchObject({
          code: ACQUIRE_TIMEOUT_CODE,
        });
        expect(hastyUse).toMatchObject({ inUse: 2, waiting: 0, acquireTimeouts: 1 });
        hastyHeld.release();
        await hastyHeld.done;
        expect(hastyUse).toEqual({ max: 2, inUse: 0, waiting: 0, acquireTimeouts: 1 });
      } finally {
        await patient.close(true);
        await hasty.close(true);
      }
    },
    60_000,
  );
});

describe('users', () => {
  it('gets an opaque, time-ordered UUID v7 id', async () => {
    const user = await addUser('uuid_check');
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses a username that differs only in case, by the unique index', async () => {
    await addUser('CaseUser');
    await expect(addUser('caseuser')).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    await expect(addUser('CASEUSER')).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });

  it('stores exactly one account when 10 inserts of one name race', async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => addUser(i % 2 ? 'Racer' : 'racer')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(UniqueConstraintViolationException);
    }
    const em = db.orm.em.fork();
    expect(await repositoriesOf(em).users.count({ usernameKey: 'racer' })).toBe(1);
  });

  it('keeps the password hash out of serialized users and out of default loads', async () => {
    const created = await addUser('hidden_hash');
    const em = db.orm.em.fork();
    const loaded = await repositoriesOf(em).users.findOneOrFail({ id: created.id });
    expect(JSON.stringify(loaded)).not.toContain(HASH);
    const withHash = await repositoriesOf(db.orm.em.fork()).users.findByUsernameWithHash('HIDDEN_HASH');
    expect(withHash?.passwordHash).toBe(HASH);
  });

  it('pages through users in creation order with a cursor', async () => {
    const em = db.orm.em.fork();
    const { users } = repositoriesOf(em);
    const all = await users.findAll({ orderBy: { id: 'asc' } });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await users.page(2, cursor);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all.map((u) => u.id));
  });
});

describe('sessions', () => {
  async function addSession(user: User, refreshTokenId: string) {
    const em = db.orm.em.fork();
    const now = new Date();
    const session = repositoriesOf(em).sessions.create({
      user: user.id,
      refreshTokenId,
      expiresAt: new Date(now.getTime() + 60_000),
      createdAt: now,
      lastUsedAt: now,
      revokedAt: null,
      revokedReason: null,
    });
    await em.flush();
    return session;
  }

  it('rotates a refresh token id for exactly one of two racing callers', async () => {
    const user = await addUser('rotator');
    const session = await addSession(user, 'token-0');
    const rotate = (next: string) =>
      repositoriesOf(db.orm.em.fork()).sessions.rotateRefreshToken({
        id: session.id,
        currentTokenId: 'token-0',
        nextTokenId: next,
        now: new Date(),
        expiresAt: new Date(Date.now() + 60_000),
      });
    const outcomes = await Promise.all([rotate('token-a'), rotate('token-b')]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const stored = await repositoriesOf(db.orm.em.fork()).sessions.findOneOrFail({ id: session.id });
    expect(['token-a', 'token-b']).toContain(stored.refreshTokenId);
  });

  it('finds a live session with its user, and not once it is revoked', async () => {
    const user = await addUser('reviver');
    const session = await addSession(user, 't');
    const alive = await repositoriesOf(db.orm.em.fork()).sessions.findAliveWithUser(session.id, new Date());
    expect(alive?.user.username).toBe('reviver');
    expect(await repositoriesOf(db.orm.em.fork()).sessions.revoke(session.id, 'logout', new Date())).toBe(true);
    expect(await repositoriesOf(db.orm.em.fork()).sessions.revoke(session.id, 'logout', new Date())).toBe(false);
    expect(await repositoriesOf(db.orm.em.fork()).sessions.findAliveWithUser(session.id, new Date())).toBeNull();
  });

  it('reads the identity of a live session as plain data in one query, and nothing once it is revoked', async () => {
    const user = await addUser('identity');
    const session = await addSession(user, 't');
    const identity = await repositoriesOf(db.orm.em.fork()).sessions.findLiveIdentity(session.id, new Date());
    expect(identity).toEqual({
      sessionId: session.id,
      user: {
        id: user.id,
        username: 'identity',
        role: 'user',
        createdAt: user.createdAt,
        email: null,
        emailVerifiedAt: null,
        pendingEmail: null,
      },
    });
    expect(identity?.user.createdAt.getTime()).toBe(user.createdAt.getTime());
    const later = new Date(Date.now() + 120_000);
    expect(await repositoriesOf(db.orm.em.fork()).sessions.findLiveIdentity(session.id, later)).toBeNull();
    await repositoriesOf(db.orm.em.fork()).sessions.revoke(session.id, 'logout', new Date());
    expect(await repositoriesOf(db.orm.em.fork()).sessions.findLiveIdentity(session.id, new Date())).toBeNull();
    expect(await repositoriesOf(db.orm.em.fork()).sessions.findLiveIdentity('no-such-session', new Date())).toBeNull();
  });

  it('finds no live session of a disabled user, even one not revoked', async () => {
    const user = await addUser('disabled_one');
    const session = await addSession(user, 't');
    await repositoriesOf(db.orm.em.fork()).users.nativeUpdate({ id: user.id }, { disabledAt: new Date() });
    const repos = repositoriesOf(db.orm.em.fork());
    expect(await repos.sessions.findLiveIdentity(session.id, new Date())).toBeNull();
    expect(await repos.sessions.findAliveWithUser(session.id, new Date())).toBeNull();
  });

  it('does not find an expired session', async () => {
    const user = await addUser('expirer');
    const session = await addSession(user, 't');
    const later = new Date(Date.now() + 120_000);
    expect(await repositoriesOf(db.orm.em.fork()).sessions.findAliveWithUser(session.id, later)).toBeNull();
  });

  it('revokes all sessions of a user but the one kept', async () => {
    const user = await addUser('many_sessions');
    const other = await addUser('bystander');
    const [a, b, c] = [await addSession(user, 'a'), await addSession(user, 'b'), await addSession(user, 'c')];
    const untouched = await addSession(other, 'x');
    const revoked = await repositoriesOf(db.orm.em.fork()).sessions.revokeAllOfUser({
      userId: user.id,
      reason: 'password_change',
      now: new Date(),
      keepSessionId: b.id,
    });
    expect(revoked).toBe(2);
    const { sessions } = repositoriesOf(db.orm.em.fork());
    expect((await sessions.findOneOrFail({ id: a.id })).revokedReason).toBe('password_change');
    expect((await sessions.findOneOrFail({ id: b.id })).revokedAt).toBeNull();
    expect((await sessions.findOneOrFail({ id: c.id })).revokedAt).not.toBeNull();
    expect((await sessions.findOneOrFail({ id: untouched.id })).revokedAt).toBeNull();
  });
});

describe('email addresses', () => {
  it('refuses a verified address that differs only in case, while any number of users have none', async () => {
    const em = db.orm.em.fork();
    const { users } = repositoriesOf(em);
    const first = await addUser('mail_first');
    const second = await addUser('mail_second');
    await addUser('mail_none');
    await users.setVerifiedEmail(first.id, 'Same@Example.com', new Date());
    await expect(users.setVerifiedEmail(second.id, 'same@example.COM', new Date())).rejects.toBeInstanceOf(
      UniqueConstraintViolationException,
    );
    expect((await users.findByEmail('SAME@example.com'))?.id).toBe(first.id);
  });

  it('keeps a pending address on the verification token, for as long as that token lives', async () => {
    const user = await addUser('mail_pending');
    const tokens = repositoriesOf(db.orm.em.fork()).oneTimeTokens;
    const now = new Date();
    await tokens.replace({
      userId: user.id,
      purpose: 'verify_email',
      tokenHash: 'c'.repeat(64),
      email: 'Pending@Example.com',
      expiresAt: new Date(now.getTime() + 60_000),
      now,
    });
    expect(await tokens.pendingEmailOf(user.id, now)).toBe('Pending@Example.com');
    expect(await tokens.pendingEmailOf(user.id, new Date(now.getTime() + 61_000))).toBeNull();
    await tokens.retireAll(user.id, now);
    expect(await tokens.pendingEmailOf(user.id, now)).toBeNull();
  });
});

describe('one-time tokens', () => {
  const hashOf = (n: number) => n.toString(16).padStart(64, '0');
  const inHalfAnHour = () => new Date(Date.now() + 30 * 60_000);

  it('spends a token once: of 10 parallel spends exactly one wins', async () => {
    const user = await addUser('token_race');
    const now = new Date();
    await repositoriesOf(db.orm.em.fork()).oneTimeTokens.replace({
      userId: user.id,
      purpose: 'reset_password',
      tokenHash: hashOf(1),
      email: null,
      expiresAt: inHalfAnHour(),
      now,
    });
    const spent = await Promise.all(
      Array.from({ length: 10 }, () =>
        repositoriesOf(db.orm.em.fork()).oneTimeTokens.spend(hashOf(1), 'reset_password', new Date()),
      ),
    );
    expect(spent.filter((s) => s !== null)).toEqual([{ userId: user.id, email: null }]);
  });

  it('keeps one token per user and purpose: a new one retires the old, even when issued in parallel', async () => {
    const user = await addUser('token_replace');
    const issue = (n: number) =>
      repositoriesOf(db.orm.em.fork()).oneTimeTokens.replace({
        userId: user.id,
        purpose: 'reset_password',
        tokenHash: hashOf(100 + n),
        email: null,
        expiresAt: inHalfAnHour(),
        now: new Date(),
      });
    await Promise.all(Array.from({ length: 8 }, (_, n) => issue(n)));
    const em = db.orm.em.fork();
    expect(await repositoriesOf(em).oneTimeTokens.count({ user: user.id })).toBe(1);
    const spent = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        repositoriesOf(db.orm.em.fork()).oneTimeTokens.spend(hashOf(100 + n), 'reset_password', new Date()),
      ),
    );
    expect(spent.filter((s) => s !== null)).toHaveLength(1);
  });

  it('refuses an expired token and a token of another purpose', async () => {
    const user = await addUser('token_expired');
    const { oneTimeTokens } = repositoriesOf(db.orm.em.fork());
    const now = new Date();
    await oneTimeTokens.replace({
      userId: user.id,
      purpose: 'verify_email',
      tokenHash: hashOf(200),
      email: 'x@example.com',
      expiresAt: new Date(now.getTime() + 1000),
      now,
    });
    expect(await oneTimeTokens.spend(hashOf(200), 'reset_password', now)).toBeNull();
    expect(await oneTimeTokens.spend(hashOf(200), 'verify_email', new Date(now.getTime() + 1000))).toBeNull();
    expect(await oneTimeTokens.spend(hashOf(200), 'verify_email', now)).toEqual({
      userId: user.id,
      email: 'x@example.com',
    });
  });
});

describe('readRows', () => {
  const SQL = 'select id, username, ? as flag from `users` where created_at <= ? order by id';

  it('returns what execute returns for the same statement, Date and boolean parameters included', async () => {
    await addUser('prepared_a');
    await addUser('prepared_b');
    const params = [true, new Date(Date.now() + 60_000)];
    const expected = await db.orm.em.fork().getConnection().execute(SQL, params);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(await readRows(db.orm.em.fork(), SQL, params)).toEqual(expected);
    expect(await readRows(db.orm.em.fork(), SQL, [true, new Date(0)])).toEqual([]);
  });

  it("rejects with the driver's error and gives the connection back to the pool", async () => {
    // More failures than the pool has connections: a leaked one would make the last read wait forever.
    for (let i = 0; i < 12; i += 1) {
      await expect(readRows(db.orm.em.fork(), 'select * from `no_such_table`', [])).rejects.toThrow(/no_such_table/);
    }
    expect(await readRows(db.orm.em.fork(), 'select 1 as one', [])).toEqual([{ one: 1 }]);
  });

  it("runs inside a transaction on the transaction's connection, and sees its uncommitted rows", async () => {
    await db.orm.em.fork().transactional(async (em) => {
      repositoriesOf(em).users.add({ username: 'uncommitted', passwordHash: HASH });
      await em.flush();
      const rows = await readRows(em, 'select username from `users` where username_key = ?', ['uncommitted']);
      expect(rows).toEqual([{ username: 'uncommitted' }]);
    });
  });

  it("shows in MikroORM's SQL log when SQL logging (debug) is on", async () => {
    const logQuery = vi.spyOn(db.orm.config.getLogger(), 'logQuery');
    db.orm.config.set('debug', true);
    try {
      await readRows(db.orm.em.fork(), 'select 2 as two', []);
      expect(logQuery).toHaveBeenCalledWith(expect.objectContaining({ query: expect.stringContaining('select 2') }));
    } finally {
      db.orm.config.set('debug', false);
      logQuery.mockRestore();
    }
  });
});

describe('seedUsers', () => {
  it('creates missing users, keeps existing ones, and is safe to run twice', async () => {
    const hash = async () => HASH;
    const seeds = [
      { username: 'seed_a', password: 'demo-password', role: 'user' as const },
      { username: 'seed_admin', password: 'admin-password', role: 'admin' as const },
    ];
    expect(await seedUsers(db.orm.em.fork(), seeds, hash)).toEqual({
      created: ['seed_a', 'seed_admin'],
      existing: [],
      refused: [],
    });
    expect(await seedUsers(db.orm.em.fork(), seeds, hash)).toEqual({
      created: [],
      existing: ['seed_a', 'seed_admin'],
      refused: [],
    });
    const admin = await repositoriesOf(db.orm.em.fork()).users.findOneOrFail({ usernameKey: 'seed_admin' });
    expect(admin.role).toBe('admin');
  });

  it('refuses to make an existing plain user an admin, and then writes nothing at all', async () => {
    const em = db.orm.em.fork();
    repositoriesOf(em).users.add({ username: 'Seed_Squatter', passwordHash: HASH });
    await em.flush();
    const seeds = [
      { username: 'seed_new_demo', password: 'demo-password', role: 'user' as const },
      { username: 'seed_squatter', password: 'admin-password', role: 'admin' as const },
    ];
    expect(await seedUsers(db.orm.em.fork(), seeds, async () => HASH)).toEqual({
      created: [],
      existing: [],
      refused: ['Seed_Squatter'],
    });
    const users = repositoriesOf(db.orm.em.fork()).users;
    expect((await users.findOneOrFail({ usernameKey: 'seed_squatter' })).role).toBe('user');
    expect(await users.findOne({ usernameKey: 'seed_new_demo' })).toBeNull();
  });
});

describe('resolveDatabaseTarget', () => {
  it('uses the embedded SQLite file under the root when DATABASE_URL is unset', () => {
    expect(resolveDatabaseTarget({ url: undefined, rootDir: '/repo' })).toEqual({
      dialect: 'sqlite',
      file: '/repo/data/dev.sqlite',
    });
  });
  it('resolves sqlite:<file> against the root, and keeps absolute paths', () => {
    expect(resolveDatabaseTarget({ url: 'sqlite:tmp/x.db', rootDir: '/repo' })).toEqual({
      dialect: 'sqlite',
      file: '/repo/tmp/x.db',
    });
    expect(resolveDatabaseTarget({ url: 'sqlite:/var/x.db', rootDir: '/repo' })).toMatchObject({ file: '/var/x.db' });
  });
  it('selects MySQL for mysql:// URLs and refuses other schemes', () => {
    expect(resolveDatabaseTarget({ url: 'mysql://u:p@db:3306/app', rootDir: '/repo' })).toEqual({
      dialect: 'mysql',
      url: 'mysql://u:p@db:3306/app',
    });
    expect(() => resolveDatabaseTarget({ url: 'postgres://x/y', rootDir: '/' })).toThrow(/mysql:\/\/ or sqlite:/);
    expect(() => resolveDatabaseTarget({ url: 'mysql://host', rootDir: '/' })).toThrow(/database/);
  });
});
