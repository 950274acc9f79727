import { EntityRepository, raw } from '@mikro-orm/core';
import { readRows } from '../driver/index.js';
import type { User, UserRole } from '../entities/user.entity.js';
import { dateOf, type RawDate } from './raw-values.js';

/** The form of a username that the unique index compares. */
export function usernameKeyOf(username: string): string {
  return username.toLowerCase();
}

/** The form of an email address that the unique index compares. */
export function emailKeyOf(email: string): string {
  return email.toLowerCase();
}

/** What anyone signed in may see of a user: plain data. */
export interface UserSummary {
  id: string;
  username: string;
  role: UserRole;
  createdAt: Date;
}

export interface UserPage {
  items: UserSummary[];
  nextCursor: string | null;
}

// A page of users is read as plain data by hand-written SQL (the same on MySQL
// and SQLite), like the session check: hydrating twenty entities per call was
// most of what `user.list` cost, in time and in memory (figures: bench/README.md).
const PAGE_SQL = 'select id, username, role, created_at from `users` order by id limit ?';
const PAGE_AFTER_SQL = 'select id, username, role, created_at from `users` where id > ? order by id limit ?';

interface SummaryRow {
  id: string;
  username: string;
  role: UserRole;
  created_at: RawDate;
}

/**
 * How many enabled admins there are besides user `id`, as a subquery for the
 * condition of an update of `users`. MySQL refuses a subquery on the table
 * being updated, except through a derived table it materialises; the
 * aggregate inside keeps the optimiser from merging it back.
 */
function otherEnabledAdmins(id: string) {
  return raw(
    '(select `n` from (select count(*) as `n` from `users` where `role` = ? and `disabled_at` is null and `id` <> ?) as `other_admins`)',
    ['admin', id],
  );
}

export class UserRepository extends EntityRepository<User> {
  /**
   * Sets the user's role unless that would demote the last enabled admin.
   * One conditional update: the count and the change are one statement, so
   * two admins demoting each other at once cannot both succeed. False when
   * no row changed (no such user, or the last enabled admin).
   */
  async setRoleKeepingAnAdmin(id: string, role: UserRole, now: Date): Promise<boolean> {
    const where =
      role === 'admin'
        ? { id }
        : {
            id,
            $or: [
              { role: { $ne: 'admin' as const } },
              { disabledAt: { $ne: null } },
              { [otherEnabledAdmins(id)]: { $gt: 0 } },
            ],
          };
    return (await this.nativeUpdate(where, { role, updatedAt: now })) === 1;
  }

  /**
   * Marks the user disabled unless already so or the last enabled admin (as
   * `setRoleKeepingAnAdmin`, in one statement). False when no row changed.
   */
  async disableKeepingAnAdmin(id: string, now: Date): Promise<boolean> {
    const where = {
      id,
      disabledAt: null,
      $or: [{ role: { $ne: 'admin' as const } }, { [otherEnabledAdmins(id)]: { $gt: 0 } }],
    };
    return (await this.nativeUpdate(where, { disabledAt: now, updatedAt: now })) === 1;
  }

  /** Loads the user together with the lazy password hash, for a login. */
  findByUsernameWithHash(username: string): Promise<User | null> {
    return this.findOne({ usernameKey: usernameKeyOf(username) }, { populate: ['passwordHash'] });
  }

  findByIdWithHash(id: string): Promise<User | null> {
    return this.findOne({ id }, { populate: ['passwordHash'] });
  }

  /**
   * Persists a new user; the unique index rejects a taken name at flush. A
   * new user has no address: one is claimed only by following its link.
   */
  add(input: {
    username: string;
    passwordHash: string;
    role?: UserRole;
    /** An address already verified elsewhere (an identity provider said so); the unique index still decides. */
    verifiedEmail?: { address: string; at: Date };
  }): User {
    return this.create({
      username: input.username,
      usernameKey: usernameKeyOf(input.username),
      passwordHash: input.passwordHash,
      role: input.role ?? 'user',
      passwordChangedAt: null,
      email: input.verifiedEmail?.address ?? null,
      emailKey: input.verifiedEmail ? emailKeyOf(input.verifiedEmail.address) : null,
      emailVerifiedAt: input.verifiedEmail?.at ?? null,
      disabledAt: null,
    });
  }

  /** Whether a username (any letter case) is taken. */
  async isUsernameTaken(username: string): Promise<boolean> {
    return (await this.count({ usernameKey: usernameKeyOf(username) })) > 0;
  }

  /** The user whose verified address this is (any letter case). */
  findByEmail(email: string): Promise<User | null> {
    return this.findOne({ emailKey: emailKeyOf(email) });
  }

  /**
   * Makes a followed link's address the user's verified one. The unique index
   * refuses it (UniqueConstraintViolationException) when another account
   * verified it first.
   */
  async setVerifiedEmail(id: string, email: string, now: Date): Promise<void> {
    await this.nativeUpdate({ id }, { email, emailKey: emailKeyOf(email), emailVerifiedAt: now, updatedAt: now });
  }

  /** Keyset pagination in creation order (ids are UUID v7). */
  async page(limit: number, cursor?: string): Promise<UserPage> {
    const rows = cursor
      ? await readRows<SummaryRow>(this.em, PAGE_AFTER_SQL, [cursor, limit + 1])
      : await readRows<SummaryRow>(this.em, PAGE_SQL, [limit + 1]);
    const items = rows.slice(0, limit).map((row) => ({
      id: row.id,
      username: row.username,
      role: row.role,
      createdAt: dateOf(row.created_at),
    }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? last.id : null };
  }
}
