import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StatementCachingDatabase } from '../src/driver/sqlite-database.js';
import { removeSqliteFile, testDialect } from '../src/testing.js';

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

describe.runIf(testDialect() === 'sqlite')(
  'one SQLite file shared by two connections, as two instances share it',
  () => {
    const files: string[] = [];
    const opened: StatementCachingDatabase[] = [];
    afterEach(() => {
      for (const db of opened.splice(0)) db.close();
      for (const file of files.splice(0)) removeSqliteFile(file);
    });
    function sharedFile(): string {
      const file = join(tmpdir(), `shared-${process.pid}-${Date.now()}-${files.length}.sqlite`);
      files.push(file);
      const first = open(file);
      first.prepare('create table t (id integer primary key, name text)').run([]);
      return file;
    }
    function open(file: string): StatementCachingDatabase {
      const db = StatementCachingDatabase.open(file);
      opened.push(db);
      return db;
    }
    const count = (db: StatementCachingDatabase) =>
      (db.prepare('select count(*) as n from t').all([]) as [{ n: number }])[0].n;

    it('lets one write while the other is inside a read transaction, which keeps the snapshot it began with', () => {
      const file = sharedFile();
      const [reader, writer] = [open(file), open(file)];
      reader.prepare('begin').run([]);
      expect(count(reader)).toBe(0);
      // With a rollback journal the writer would need the reader gone to commit: SQLITE_BUSY.
      writer.prepare('insert into t (name) values (?)').run(['written meanwhile']);
      expect(count(reader)).toBe(0);
      reader.prepare('commit').run([]);
      expect(count(reader)).toBe(1);
    });

    it("waits for another process's write lock instead of failing with SQLITE_BUSY", async () => {
      const file = sharedFile();
      const db = open(file);
      // Another process (a second instance, an admin command) holds the write lock for a moment.
      const other = spawn(
        process.execPath,
        [
          '-e',
          `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('libsql'))});
         const db = new Database(${JSON.stringify(file)});
         db.pragma('busy_timeout = 5000');
         db.exec("begin immediate; insert into t (name) values ('other process')");
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
         db.exec('commit');
         db.close();`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<number | null>((done) => other.on('exit', done));
      await new Promise<void>((locked) => other.stdout.once('data', () => locked()));
      db.prepare('insert into t (name) values (?)').run(['this process']);
      expect(await exited).toBe(0);
      expect(db.prepare('select name from t order by id').all([])).toEqual([
        { name: 'other process' },
        { name: 'this process' },
      ]);
    });
  },
);
