import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MikroORM, UniqueConstraintViolationException } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import Database from 'libsql';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrm, createOrmOptions, migrateToLatest, repositoriesOf } from '../src/index.js';
import { StatementCachingDatabase } from '../src/sqlite-database.js';
import { testDialect } from '../src/testing.js';

const HASH = '$2b$04$abcdefghijklmnopqrstuu5Zq0hKq7Y3Yk2m3vJ4s8cQe3QfTt7p2';
const files: string[] = [];
const fileFor = (name: string) => {
  const file = join(tmpdir(), `kept_${name}_${process.pid}_${Date.now().toString(36)}.sqlite`);
  files.push(file);
  return file;
};
afterAll(() => {
  for (const file of files)
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
});

// The embedded SQLite only: the MySQL project has nothing of this to test.
describe.runIf(testDialect() === 'sqlite')('statements kept by the SQLite database', () => {
  function database(cacheSize?: number): StatementCachingDatabase {
    const db = new StatementCachingDatabase(new Database(':memory:'), cacheSize);
    db.prepare('create table t (id integer primary key, name text unique)').run([]);
    return db;
  }

  it('hands out the statement it prepared before for the same text, and keeps no more than its size', () => {
    const db = database(3);
    const select = db.prepare('select * from t where id = ?');
    expect(db.prepare('select * from t where id = ?')).toBe(select);
    db.prepare('select 1');
    db.prepare('select 2');
    expect(db.size).toBe(3);
    // The oldest (the create table) went first; the select is still the one kept.
    db.prepare('select 3');
    expect(db.size).toBe(3);
    expect(db.prepare('select 3')).toBe(db.prepare('select 3'));
  });

  it('binds each run its own parameters, and a run that failed leaves the statement usable', () => {
    const db = database();
    const insert = db.prepare('insert into t (name) values (?) returning id');
    expect(insert.reader).toBe(true);
    expect(insert.all(['a'])).toEqual([{ id: 1 }]);
    expect(() => db.prepare('insert into t (name) values (?) returning id').all(['a'])).toThrow(/UNIQUE/);
    expect(db.prepare('insert into t (name) values (?) returning id').all(['b'])).toEqual([{ id: 2 }]);
    const update = db.prepare('update t set name = ? where id = ?');
    expect(update.reader).toBe(false);
    expect(update.run(['c', 2]).changes).toBe(1);
    expect(update.run(['d', 99]).changes).toBe(0);
    expect(db.prepare('select name from t order by id').all([])).toEqual([{ name: 'a' }, { name: 'c' }]);
  });

  it('reads the new schema through a statement kept from before a migration altered it', () => {
    const db = database();
    db.prepare('insert into t (name) values (?)').run(['a']);
    expect(db.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'a' }]);
    db.prepare('alter table t add column note text').run([]);
    expect(db.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'a', note: null }]);
  });

  it('streams on a statement of its own: a kept one run meanwhile leaves the stream where it was', () => {
    const db = database();
    for (const name of ['a', 'b', 'c']) db.prepare('insert into t (name) values (?)').run([name]);
    const stream = db.prepare('select name from t where id > ? order by id').iterate([0]);
    expect(stream.next().value).toEqual({ name: 'a' });
    expect(db.prepare('select name from t where id > ? order by id').all([2])).toEqual([{ name: 'c' }]);
    expect([...stream]).toEqual([{ name: 'b' }, { name: 'c' }]);
  });

  /**
   * The same work, many calls at once (sign-ups of one name racing, reads,
   * transactions), through the ORM on this database and on the dialect
   * MikroORM builds itself: the same outcome on both.
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
            const seen = await repositoriesOf(tx).users.findOne({ id: user.id });
            if (i % 3 === 0) throw new Error('rolled back');
            return seen?.username;
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
    return {
      refusedAsDuplicates: refused.filter((e) => e instanceof UniqueConstraintViolationException).length,
      otherFailures: refused.length - refused.filter((e) => e instanceof UniqueConstraintViolationException).length,
      transactions,
      reads,
      usernames: page.items.map((u) => u.username).sort(),
    };
  }

  it('gives the ORM the same outcome as the dialect MikroORM builds itself, with everything at once', async () => {
    const ours = await createOrm({ url: `sqlite:${fileFor('ours')}`, rootDir: tmpdir(), quiet: true });
    const stockFile = fileFor('stock');
    const stockOptions = await createOrmOptions({ url: `sqlite:${stockFile}`, rootDir: tmpdir(), quiet: true });
    expect(stockOptions.driverOptions).toBeDefined();
    const { MikroORM } = await import('@mikro-orm/core');
    // The same options but the dialect: MikroORM's LibSqlDriver then builds its own.
    const stock = await MikroORM.init({ ...stockOptions, driverOptions: undefined });
    expect(stockOptions.driver).toBe(LibSqlDriver);
    try {
      await migrateToLatest(ours);
      await migrateToLatest(stock);
      const [mine, theirs] = [await workload(ours), await workload(stock)];
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
    } finally {
      await ours.close(true);
      await stock.close(true);
    }
  });
});
