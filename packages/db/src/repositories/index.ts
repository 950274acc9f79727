import type { EntityManager } from '@mikro-orm/core';
import type { LinkedAccount } from '../entities/linked-account.entity.js';
import { LinkedAccountSchema } from '../entities/linked-account.entity.js';
import type { OidcTicket } from '../entities/oidc-ticket.entity.js';
import { OidcTicketSchema } from '../entities/oidc-ticket.entity.js';
import type { OneTimeToken } from '../entities/one-time-token.entity.js';
import { OneTimeTokenSchema } from '../entities/one-time-token.entity.js';
import type { Session } from '../entities/session.entity.js';
import { SessionSchema } from '../entities/session.entity.js';
import type { User } from '../entities/user.entity.js';
import { UserSchema } from '../entities/user.entity.js';
import type { LinkedAccountRepository } from './linked-account.repository.js';
import type { OidcTicketRepository } from './oidc-ticket.repository.js';
import type { OneTimeTokenRepository } from './one-time-token.repository.js';
import type { SessionRepository } from './session.repository.js';
import type { UserRepository } from './user.repository.js';

/** The typed custom repositories of an EntityManager (fork); `turbo gen entity` adds to it. */
export function repositoriesOf(em: EntityManager) {
  return {
    users: em.getRepository<User, UserRepository>(UserSchema),
    sessions: em.getRepository<Session, SessionRepository>(SessionSchema),
    oneTimeTokens: em.getRepository<OneTimeToken, OneTimeTokenRepository>(OneTimeTokenSchema),
    linkedAccounts: em.getRepository<LinkedAccount, LinkedAccountRepository>(LinkedAccountSchema),
    oidcTickets: em.getRepository<OidcTicket, OidcTicketRepository>(OidcTicketSchema),
  };
}
