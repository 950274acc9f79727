/**
 * `pnpm db:seed` as a process (src/commands/seed.ts through tsx), on a fresh
 * database of the project's dialect.
 */
import { PasswordHasher } from '@repo/api';
import { repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnScript } from './server-process.js';

const hasher = new PasswordHasher(4);
let db: TestDatabase;

beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db?.destroy();
});

/** Runs the seed command to its end with the given environment (production unless told). */
async function seed(env: Record<string, string>) {
  const proc = spawnScript('src/commands/seed.ts', {
    NODE_ENV: 'production',
    JWT_ACCESS_SECRET: 'seed-command-access-secret-of-32-bytes',
    JWT_REFRESH_SECRET: 'seed-command-refresh-secret-of-32-bytes',
    MFA_ENCRYPTION_KEY: 'bWZhLXRlc3Qta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXM',
    BCRYPT_COST: '10',
    DATABASE_URL: db.url,
    ...env,
  });
  const { code } = await proc.exited;
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

const usersOf = () => repositoriesOf(db.orm.em.fork()).users;

describe('pnpm db:seed', () => {
  it('creates the admin on a fresh database, and a second run leaves it, password and all', async () => {
    const first = await seed({ SEED_ADMIN_USERNAME: 'Root_Admin', SEED_ADMIN_PASSWORD: 'first admin passphrase' });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('Created: Root_Admin');
    const created = await usersOf().findByUsernameWithHash('root_admin');
    expect(created?.role).toBe('admin');
    expect(await hasher.verify('first admin passphrase', created?.passwordHash ?? '')).toBe(true);

    const second = await seed({ SEED_ADMIN_USERNAME: 'root_admin', SEED_ADMIN_PASSWORD: 'another passphrase' });
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toContain('already there: Root_Admin');
    const kept = await usersOf().findByUsernameWithHash('root_admin');
    expect(kept?.passwordHash).toBe(created?.passwordHash);
    expect(await usersOf().count()).toBe(1);
  }, 60_000);

  it('refuses an existing account that is not an admin: exit 1, names it, and writes nothing', async () => {
    const em = db.orm.em.fork();
    const passwordHash = await hasher.hash('the squatter password');
    repositoriesOf(em).users.add({ username: 'Squatter', passwordHash });
    await em.flush();

    // Development: the demo users would be created too, but nothing is written.
    const run = await seed({
      NODE_ENV: 'development',
      BCRYPT_COST: '4',
      SEED_ADMIN_USERNAME: 'squatter',
      SEED_ADMIN_PASSWORD: 'admin passphrase',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SEED_ADMIN_USERNAME: the account "Squatter" exists and is not an admin');
    const squatter = await usersOf().findByUsernameWithHash('squatter');
    expect(squatter?.role).toBe('user');
    expect(squatter?.passwordHash).toBe(passwordHash);
    expect(await usersOf().findOne({ usernameKey: 'alice' })).toBeNull();
    expect(await usersOf().count()).toBe(1);
  }, 60_000);

  it('refuses an admin username or password that registration would refuse, naming each variable', async () => {
    const both = await seed({ SEED_ADMIN_USERNAME: 'no spaces here', SEED_ADMIN_PASSWORD: 'short' });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('SEED_ADMIN_USERNAME: may contain only letters, digits');
    expect(both.stderr).toContain('SEED_ADMIN_PASSWORD: must be 8 to 72 bytes of UTF-8');
    expect(both.stderr).not.toContain('short');

    // 37 characters, 74 bytes: bcrypt would read only 72 of them.
    const tooLong = await seed({ SEED_ADMIN_USERNAME: 'root_admin', SEED_ADMIN_PASSWORD: 'é'.repeat(37) });
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain('SEED_ADMIN_PASSWORD: must be 8 to 72 bytes of UTF-8');
    expect(tooLong.stderr).not.toContain('SEED_ADMIN_USERNAME');
    expect(await usersOf().count()).toBe(0);
  }, 60_000);
});
