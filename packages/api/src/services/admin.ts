import type { EntityManager } from '@mikro-orm/core';
import type {
  AdminDisableUserInput,
  AdminDisableUserOutput,
  AdminSetRoleInput,
  AdminSetRoleOutput,
} from '../schemas.js';
import type { AuthIdentity } from './auth.js';

/** `admin.setRole`: one use case, on the request's EntityManager fork (flush once, if it writes). */
export async function setRole(
  _em: EntityManager,
  _caller: AuthIdentity,
  input: AdminSetRoleInput,
): Promise<AdminSetRoleOutput> {
  return { text: input.text };
}

/** `admin.disableUser`: one use case, on the request's EntityManager fork (flush once, if it writes). */
export async function disableUser(
  _em: EntityManager,
  _caller: AuthIdentity,
  input: AdminDisableUserInput,
): Promise<AdminDisableUserOutput> {
  return { text: input.text };
}
