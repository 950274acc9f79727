import type { EntityManager } from '@mikro-orm/core';
import type { Session } from '../entities/session.entity.js';
import { SessionSchema } from '../entities/session.entity.js';
import type { User } from '../entities/user.entity.js';
import { UserSchema } from '../entities/user.entity.js';
import type { SessionRepository } from './session.repository.js';
import type { UserRepository } from './user.repository.js';

/** The typed custom repositories of an EntityManager (fork); `turbo gen entity` adds to it. */
export function repositoriesOf(em: EntityManager) {
  return {
    users: em.getRepository<User, UserRepository>(UserSchema),
    sessions: em.getRepository<Session, SessionRepository>(SessionSchema),
  };
}
