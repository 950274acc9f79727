import type { EntityManager } from '@mikro-orm/core';
import { repositoriesOf } from '@repo/db';
import { AppError } from '../errors.js';
import type { PublicUser } from '../fields.js';
import { toPublicUser } from './auth.js';

export async function findUserById(em: EntityManager, id: string): Promise<PublicUser> {
  const user = await repositoriesOf(em).users.findOne({ id });
  if (!user) throw new AppError('USER_NOT_FOUND', 'No such user');
  return toPublicUser(user);
}

export async function listUsers(
  em: EntityManager,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: PublicUser[]; nextCursor: string | null }> {
  const { items, nextCursor } = await repositoriesOf(em).users.page(page.limit, page.cursor);
  return { items: items.map(toPublicUser), nextCursor };
}
