import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { UserRepository } from '../repositories/user.repository.js';
import { uuidPrimaryKey } from './columns.js';

export const USER_ROLES = ['user', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  repository: () => UserRepository,
  properties: (p) => ({
    // UUID v7: opaque and unguessable, yet time-ordered, so it doubles as a
    // stable pagination cursor.
    id: uuidPrimaryKey(),
    username: p.string().length(40),
    // Lower-cased username. The unique index lives on this column, so
    // "Alice" and "alice" collide in the database on every dialect,
    // whatever its collation.
    usernameKey: p.string().length(40).unique('users_username_key_unique'),
    passwordHash: p.string().length(60).hidden().lazy(),
    role: p.enum([...USER_ROLES]).default('user'),
    createdAt: p.datetime(3).onCreate(() => new Date()),
    updatedAt: p
      .datetime(3)
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    passwordChangedAt: p.datetime(3).nullable(),
    // The verified address, as entered, or null. `emailKey` is its lower-cased
    // form and carries the unique index, like `usernameKey` (many rows may have
    // none). An address waiting for its link is not here but on the link's
    // one-time token: a claim nobody followed must block nobody.
    email: p.string().length(254).nullable(),
    emailKey: p.string().length(254).nullable().unique('users_email_key_unique'),
    /** When `email` was confirmed through its link; null when there is none. */
    emailVerifiedAt: p.datetime(3).nullable(),
    // Set by an admin: the user's sessions are revoked, and neither a sign-in
    // nor a session of theirs is accepted while it is set.
    disabledAt: p.datetime(3).nullable(),
  }),
});

export type User = InferEntity<typeof UserSchema>;

/** A row that belongs to a user: deleted with the user, and following a change of its id. */
export const userReference = () => p.manyToOne(UserSchema).deleteRule('cascade').updateRule('cascade');
