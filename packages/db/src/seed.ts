import type { EntityManager } from '@mikro-orm/core';
import type { UserRole } from './entities/user.entity.js';
import { repositoriesOf } from './repositories/index.js';
import { usernameKeyOf } from './repositories/user.repository.js';

export interface SeedUser {
  username: string;
  password: string;
  role: UserRole;
}

export interface SeedResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the given users unless they exist. Safe to run any number of times:
 * an existing account keeps its password; an existing admin-to-be is promoted.
 */
export async function seedUsers(
  em: EntityManager,
  users: SeedUser[],
  hashPassword: (password: string) => Promise<string>,
): Promise<SeedResult> {
  const repo = repositoriesOf(em).users;
  const result: SeedResult = { created: [], existing: [] };
  for (const seed of users) {
    const found = await repo.findOne({ usernameKey: usernameKeyOf(seed.username) });
    if (found) {
      if (seed.role === 'admin' && found.role !== 'admin') found.role = 'admin';
      result.existing.push(found.username);
      continue;
    }
    repo.add({ username: seed.username, passwordHash: await hashPassword(seed.password), role: seed.role });
    result.created.push(seed.username);
  }
  await em.flush();
  return result;
}
