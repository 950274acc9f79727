import { credentialsSchema, PasswordHasher } from '@repo/api';
import { createOrm, type SeedUser, seedUsers, usernameKeyOf } from '@repo/db';
import { type Config, loadConfigOrExit } from '../config.js';

/** Demo accounts for development only; never created in production. */
const DEMO_PASSWORD = 'demo-password';
const DEMO_USERS = ['alice', 'bob', 'carol'];

const ENV_NAME_OF_FIELD: Record<string, string> = {
  username: 'SEED_ADMIN_USERNAME',
  password: 'SEED_ADMIN_PASSWORD',
};

/** Stops the command: the message on stderr, exit code 1. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** The admin to seed, held to the rules of registration (a password sign-in would refuse otherwise). */
function seedAdminOf(config: Config): SeedUser | undefined {
  if (!config.seedAdmin) return undefined;
  const parsed = credentialsSchema.safeParse(config.seedAdmin);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      return `  - ${ENV_NAME_OF_FIELD[field] ?? field}: ${issue.message}`;
    });
    fail(`The admin account cannot be seeded:\n${[...new Set(lines)].join('\n')}`);
  }
  return { ...parsed.data, role: 'admin' };
}

const config = loadConfigOrExit();
const admin = seedAdminOf(config);
const users: SeedUser[] = config.isProduction
  ? []
  : DEMO_USERS.filter((username) => !admin || usernameKeyOf(username) !== usernameKeyOf(admin.username)).map(
      (username) => ({ username, password: DEMO_PASSWORD, role: 'user' as const }),
    );
if (admin) users.push(admin);
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
  if (result.refused.length > 0) {
    process.stderr.write(
      `SEED_ADMIN_USERNAME: the account "${result.refused.join('", "')}" exists and is not an admin. ` +
        'The seed never promotes an account it did not create; nothing was written. ' +
        'Choose another name, or have an admin grant the role (admin.setRole).\n',
    );
    process.exitCode = 1;
  } else {
    console.log(
      `Created: ${result.created.join(', ') || 'none'}; already there: ${result.existing.join(', ') || 'none'}`,
    );
    if (result.created.some((name) => DEMO_USERS.includes(name))) {
      console.log(`Demo users sign in with the password "${DEMO_PASSWORD}".`);
    }
  }
} finally {
  await orm.close();
}
