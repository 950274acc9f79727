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
  /**
   * Admins-to-be whose name an existing account that is not an admin holds:
   * when there is one, nothing is written.
   */
  refused: string[];
}

/**
 * Creates the given users unless they exist. Safe to run any number of times:
 * an existing account keeps its password and its role. An account the seed
 * would make an admin, but that exists as a plain user, is refused, never
 * promoted: the seed cannot tell it from an account someone registered under
 * that name (to be handed admin rights by the next deploy).
 */
export async function seedUsers(
  em: EntityManager,
  users: SeedUser[],
  hashPassword: (password: string) => Promise<string>,
): Promise<SeedResult> {
  const repo = repositoriesOf(em).users;
  const result: SeedResult = { created: [], existing: [], refused: [] };
  const missing: SeedUser[] = [];
  for (const seed of users) {
    const found = await repo.findOne({ usernameKey: usernameKeyOf(seed.username) });
    if (!found) missing.push(seed);
    else if (seed.role === 'admin' && found.role !== 'admin') result.refused.push(found.username);
    else result.existing.push(found.username);
  }
  if (result.refused.length > 0) return result;
  for (const seed of missing) {
    repo.add({ username: seed.username, passwordHash: await hashPassword(seed.password), role: seed.role });
    result.created.push(seed.username);
  }
  await em.flush();
  return result;
}
