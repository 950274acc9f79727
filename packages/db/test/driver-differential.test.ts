/**
 * packages/db/src/driver against MikroORM's own path: the same workload
 * through an ORM on this folder's dialect (the bounded mysql2 pool with its
 * prepared reads, the statement-keeping libsql database) and through an ORM
 * with the same options but MikroORM's own dialect (`withoutDriverSeam`),
 * which also sends `readRows` through MikroORM's `execute`. Both dialects.
 */
import { type MikroORM, UniqueConstraintViolationException } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverDialectOf, readRows, withoutDriverSeam } from '../src/driver/index.js';
import { createOrmOptions, migrateToLatest, repositoriesOf, type User } from '../src/index.js';
import { createTestDatabase, type TestDatabase, testDialect } from '../src/testing.js';

const HASH = '$2b$04$abcdefghijklmnopqrstuu5Zq0hKq7Y3Yk2m3vJ4s8cQe3QfTt7p2';

/** An ORM on the database at `url` with MikroORM's own dialect. */
async function stockOrm(url: string): Promise<MikroORM> {
  const { MikroORM } = await import('@mikro-orm/core');
  const options = await createOrmOptions({ url, rootDir: process.cwd(), quiet: true, migrations: false });
  return MikroORM.init(withoutDriverSeam(options));
}

describe(`the driver seam against MikroORM's own dialect (${testDialect()})`, () => {
  let ours: TestDatabase;
  let other: TestDatabase;
  let stock: MikroORM;
  beforeAll(async () => {
    ours = await createTestDatabase();
    // A second database of its own for the stock ORM's writes: the same starting point.
    other = await createTestDatabase();
    stock = await stockOrm(other.url);
  });
  afterAll(async () => {
    await stock?.close(true);
    await ours?.destroy();
    await other?.destroy();
  });

  it('knows the driver from the configuration DATABASE_URL chose', () => {
    expect(driverDialectOf(ours.orm.config)).toBe(testDialect());
    expect(driverDialectOf(stock.config)).toBeUndefined();
  });

  /**
   * The same work, many calls at once (sign-ups of one name racing, reads,
   * transactions): the same outcome on both.
   */
  async function workload(orm: MikroORM) {
    const em = () => orm.em.fork();
    const signUps = await Promise.allSettled(
      Array.from({ length: 20 }, async (_, i) => {
        const fork = em();
        repositoriesOf(fork).users.add({ username: i % 2 ? 'Twin' : `user${i}`, passwordHash: HASH });
        await fork.flush();
      }),
    );
    const refused = signUps.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    const transactions = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        orm.em
          .transactional(async (tx) => {
            const user = repositoriesOf(tx).users.add({ username: `tx${i}`, passwordHash: HASH });
            await tx.flush();
            // readRows inside a transaction: on its connection, seeing its uncommitted row.
            const seen = await readRows<{ username: string }>(tx, 'select username from `users` where id = ?', [
              user.id,
            ]);
            if (i % 3 === 0) throw new Error('rolled back');
            return seen[0]?.username;
          })
          .catch((error: Error) => error.message),
      ),
    );
    const reads = await Promise.all(
      ['user0', 'Twin', 'tx1', 'tx3', 'nobody'].map(async (username) => {
        const found = await repositoriesOf(em()).users.findByUsernameWithHash(username);
        return found?.username ?? null;
      }),
    );
    const page = await repositoriesOf(em()).users.page(50);
    const duplicates = refused.filter((e) => e instanceof UniqueConstraintViolationException).length;
    return {
      refusedAsDuplicates: duplicates,
      otherFailures: refused.length - duplicates,
      transactions,
      reads,
      usernames: page.items.map((u) => u.username).sort(),
    };
  }

  it('gives the ORM the same outcome as the dialect MikroORM builds itself, with everything at once', async () => {
    const [mine, theirs] = [await workload(ours.orm), await workload(stock)];
    expect(mine).toEqual(theirs);
    expect(mine.refusedAsDuplicates).toBe(9);
    expect(mine.otherFailures).toBe(0);
    expect(mine.transactions).toEqual([
      'rolled back',
      'tx1',
      'tx2',
      'rolled back',
      'tx4',
      'tx5',
      'rolled back',
      'tx7',
      'tx8',
      'rolled back',
    ]);
    expect(mine.reads).toEqual(['user0', 'Twin', 'tx1', null, null]);
  });

  it('reads the same identities, pages and raw rows of one database through both', async () => {
    // Both ORMs on the database of `ours`: ids and timestamps are then the same too.
    const shared = await stockOrm(ours.url);
    try {
      const em = ours.orm.em.fork();
      const { users, sessions, oneTimeTokens } = repositoriesOf(em);
      const now = new Date();
      const inAMinute = new Date(now.getTime() + 60_000);
      const people: User[] = ['plain', 'pending', 'pending_expired', 'pending_spent', 'verified'].map((username) =>
        users.add({ username: `same_${username}`, passwordHash: HASH }),
      );
      await em.flush();
      const [plain, pending, pendingExpired, pendingSpent, verified] = people as [User, User, User, User, User];
      await users.setVerifiedEmail(verified.id, 'Verified@Example.com', now);
      for (const [user, expiresAt] of [
        [pending, inAMinute],
        [pendingExpired, new Date(now.getTime() - 1)],
        [pendingSpent, inAMinute],
      ] as const) {
        await oneTimeTokens.replace({
          userId: user.id,
          purpose: 'verify_email',
          tokenHash: user.id.replaceAll('-', '').padEnd(64, '0'),
          email: `${user.username}@example.com`,
          expiresAt,
          now,
        });
      }
      await oneTimeTokens.retire(pendingSpent.id, 'verify_email', now);
      const sessionIds: string[] = [];
      for (const user of people) {
        const session = sessions.create({
          user: user.id,
          refreshTokenId: `r${user.id.slice(-12)}`,
          expiresAt: inAMinute,
          createdAt: now,
          lastUsedAt: now,
          revokedAt: user === plain ? now : null,
          revokedReason: user === plain ? 'logout' : null,
        });
        sessionIds.push(session.id);
      }
      await em.flush();

      const readAll = async (orm: MikroORM) => {
        const repos = () => repositoriesOf(orm.em.fork());
        return {
          identities: await Promise.all(
            [...sessionIds, 'no-such-session'].map((id) => repos().sessions.findLiveIdentity(id, new Date())),
          ),
          // The pending address of the identity read, as the ORM's own findOne reads it.
          pending: await Promise.all(people.map((user) => repos().oneTimeTokens.pendingEmailOf(user.id, new Date()))),
          firstPage: await repos().users.page(3),
          raw: await readRows(
            orm.em.fork(),
            'select id, username, ? as flag from `users` where created_at <= ? order by id',
            [true, inAMinute],
          ),
        };
      };
      const [mine, theirs] = [await readAll(ours.orm), await readAll(shared)];
      expect(mine).toEqual(theirs);
      expect(mine.identities.map((identity) => identity?.user.pendingEmail ?? null)).toEqual([
        null,
        'same_pending@example.com',
        null,
        null,
        null,
        null,
      ]);
      expect(mine.identities.slice(1, 5).map((identity) => identity?.user.pendingEmail ?? null)).toEqual(
        mine.pending.slice(1),
      );
      expect(mine.identities[4]?.user.email).toBe('Verified@Example.com');
      expect(mine.identities[0]).toBeNull();
    } finally {
      await shared.close(true);
    }
  });

  it.runIf(testDialect() === 'mysql')(
    'runs readRows as a server-side prepared statement on MySQL, once per connection',
    async () => {
      const { createOrm } = await import('../src/index.js');
      // One connection: MikroORM's statements and readRows share its session counters.
      const orm = await createOrm({ url: ours.url, rootDir: process.cwd(), poolMax: 1, migrations: false });
      try {
        const counters = async () => {
          const rows: { Variable_name: string; Value: string }[] = await orm.em
            .getConnection()
            .execute("show session status like 'Com_stmt_%'");
          return Object.fromEntries(rows.map((row) => [row.Variable_name, Number(row.Value)]));
        };
        await readRows(orm.em.fork(), 'select ? as one', [1]);
        const before = await counters();
        for (let i = 0; i < 3; i += 1)
          expect(await readRows(orm.em.fork(), 'select ? as one', [i])).toEqual([{ one: i }]);
        const after = await counters();
        expect((after.Com_stmt_execute ?? 0) - (before.Com_stmt_execute ?? 0)).toBe(3);
        expect((after.Com_stmt_prepare ?? 0) - (before.Com_stmt_prepare ?? 0)).toBe(0);
      } finally {
        await orm.close(true);
      }
    },
  );

  it('migrates a database through either', async () => {
    expect(await migrateToLatest(ours.orm)).toEqual([]);
  });
});
