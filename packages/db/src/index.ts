export {
  createOrm,
  createOrmOptions,
  type DatabaseConfig,
  type DatabaseTarget,
  DatabaseUrlError,
  DEFAULT_DATABASE_TIMEOUTS,
  DEFAULT_SQLITE_FILE,
  type Dialect,
  dialectOf,
  migrateToLatest,
  pingDatabase,
  resolveDatabaseTarget,
} from './config.js';
export { type LinkedAccount, LinkedAccountSchema } from './entities/linked-account.entity.js';
export {
  OIDC_TICKET_PURPOSES,
  type OidcTicket,
  type OidcTicketPurpose,
  OidcTicketSchema,
} from './entities/oidc-ticket.entity.js';
export {
  ONE_TIME_TOKEN_PURPOSES,
  type OneTimeToken,
  type OneTimeTokenPurpose,
  OneTimeTokenSchema,
} from './entities/one-time-token.entity.js';
export {
  SESSION_REVOKE_REASONS,
  type Session,
  type SessionRevokeReason,
  SessionSchema,
} from './entities/session.entity.js';
export { USER_ROLES, type User, type UserRole, UserSchema } from './entities/user.entity.js';
export { ACQUIRE_TIMEOUT_CODE } from './errors.js';
export { createMigration, migrationsFolder } from './migrations.js';
export { type PruneResult, pruneDeadRows } from './prune.js';
export { repositoriesOf } from './repositories/index.js';
export { LinkedAccountRepository } from './repositories/linked-account.repository.js';
export { type NewOidcTicket, OidcTicketRepository } from './repositories/oidc-ticket.repository.js';
export { OneTimeTokenRepository, type SpentToken } from './repositories/one-time-token.repository.js';
export { type SessionIdentity, SessionRepository } from './repositories/session.repository.js';
export {
  emailKeyOf,
  type UserPage,
  UserRepository,
  type UserSummary,
  usernameKeyOf,
} from './repositories/user.repository.js';
export { type SeedResult, type SeedUser, seedUsers } from './seed.js';
