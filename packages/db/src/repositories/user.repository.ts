import { EntityRepository } from '@mikro-orm/core';
import type { User, UserRole } from '../entities/user.entity.js';

/** The form of a username that the unique index compares. */
export function usernameKeyOf(username: string): string {
  return username.toLowerCase();
}

export interface UserPage {
  items: User[];
  nextCursor: string | null;
}

export class UserRepository extends EntityRepository<User> {
  /** Loads the user together with the lazy password hash, for a login. */
  findByUsernameWithHash(username: string): Promise<User | null> {
    return this.findOne({ usernameKey: usernameKeyOf(username) }, { populate: ['passwordHash'] });
  }

  findByIdWithHash(id: string): Promise<User | null> {
    return this.findOne({ id }, { populate: ['passwordHash'] });
  }

  /** Persists a new user; the unique index rejects a taken name at flush. */
  add(input: { username: string; passwordHash: string; role?: UserRole }): User {
    return this.create({
      username: input.username,
      usernameKey: usernameKeyOf(input.username),
      passwordHash: input.passwordHash,
      role: input.role ?? 'user',
      passwordChangedAt: null,
    });
  }

  /** Keyset pagination in creation order (ids are UUID v7). */
  async page(limit: number, cursor?: string): Promise<UserPage> {
    const rows = await this.find(cursor ? { id: { $gt: cursor } } : {}, {
      orderBy: { id: 'asc' },
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? last.id : null };
  }
}
