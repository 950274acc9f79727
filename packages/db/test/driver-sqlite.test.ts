import { describe, expect, it } from 'vitest';
import { StatementCachingDatabase } from '../src/driver/sqlite-database.js';
import { testDialect } from '../src/testing.js';

// The embedded SQLite only: the MySQL project has nothing of this to test.
describe.runIf(testDialect() === 'sqlite')('statements kept by the SQLite database', () => {
  function database(cacheSize?: number): StatementCachingDatabase {
    const db = StatementCachingDatabase.open(':memory:', cacheSize);
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
});
