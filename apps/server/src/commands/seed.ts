import { PasswordHasher } from '@repo/api';
import { createOrm, type SeedUser, seedUsers } from '@repo/db';
import { loadConfigOrExit } from '../config.js';

/** Demo accounts for development only; never created in production. */
const DEMO_PASSWORD = 'demo-password';
const DEMO_USERS = ['alice', 'bob', 'carol'];

const config = loadConfigOrExit();
const users: SeedUser[] = config.isProduction
  ? []
  : DEMO_USERS.map((username) => ({ username, password: DEMO_PASSWORD, role: 'user' as const }));
if (config.seedAdmin) users.push({ ...config.seedAdmin, role: 'admin' });
if (users.length === 0) {
  console.log(
    'Nothing to seed: demo users are for development; set SEED_ADMIN_USERNAME and SEED_ADMIN_PASSWORD for an admin.',
  );
  process.exit(0);
}

const orm = await createOrm({ url: config.databaseUrl, rootDir: config.rootDir, ...config.databaseTimeouts });
try {
  const hasher = new PasswordHasher(config.bcryptCost);
  const result = await seedUsers(orm.em.fork(), users, (password) => hasher.hash(password));
  console.log(
    `Created: ${result.created.join(', ') || 'none'}; already there: ${result.existing.join(', ') || 'none'}`,
  );
  if (result.created.some((name) => DEMO_USERS.includes(name))) {
    console.log(`Demo users sign in with the password "${DEMO_PASSWORD}".`);
  }
} finally {
  await orm.close();
}
