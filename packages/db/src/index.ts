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
  poolUseOf,
  resolveDatabaseTarget,
} from './config.js';
export type { PoolUse } from './driver/index.js';
export {
  type AuditEvent,
  AuditEventSchema,
  DEFAULT_AUDIT_RETENTION_DAYS,
  MAX_AUDIT_TYPE_LENGTH,
  MAX_AUDIT_USER_AGENT_LENGTH,
} from './entities/audit-event.entity.js';
export { type LinkedAccount, LinkedAccountSchema } from './entities/linked-account.entity.js';
export { type MfaChallenge, MfaChallengeSchema } from './entities/mfa-challenge.entity.js';
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
export { MAX_CREDENTIAL_ID_LENGTH, type Passkey, PasskeySchema } from './entities/passkey.entity.js';
export { type RecoveryCode, RecoveryCodeSchema } from './entities/recovery-code.entity.js';
export {
  SESSION_REVOKE_REASONS,
  type Session,
  type SessionRevokeReason,
  SessionSchema,
  USER_AGENT_MAX_LENGTH,
} from './entities/session.entity.js';
export { type TotpCredential, TotpCredentialSchema } from './entities/totp-credential.entity.js';
export { USER_ROLES, type User, type UserRole, UserSchema } from './entities/user.entity.js';
export {
  WEBAUTHN_CHALLENGE_PURPOSES,
  type WebauthnChallenge,
  type WebauthnChallengePurpose,
  WebauthnChallengeSchema,
} from './entities/webauthn-challenge.entity.js';
export { ACQUIRE_TIMEOUT_CODE } from './errors.js';
export { createMigration, migrationsFolder } from './migrations.js';
export { type PruneOptions, type PruneResult, pruneDeadRows } from './prune.js';
export {
  type AuditCursor,
  type AuditEventFilter,
  type AuditEventInput,
  type AuditEventPage,
  AuditEventRepository,
} from './repositories/audit-event.repository.js';
export { repositoriesOf } from './repositories/index.js';
export { LinkedAccountRepository } from './repositories/linked-account.repository.js';
export { MfaChallengeRepository } from './repositories/mfa-challenge.repository.js';
export { type NewOidcTicket, OidcTicketRepository } from './repositories/oidc-ticket.repository.js';
export { OneTimeTokenRepository, type SpentToken } from './repositories/one-time-token.repository.js';
export { PasskeyRepository } from './repositories/passkey.repository.js';
export { RecoveryCodeRepository } from './repositories/recovery-code.repository.js';
export { type LiveSession, type SessionIdentity, SessionRepository } from './repositories/session.repository.js';
export { TotpCredentialRepository } from './repositories/totp-credential.repository.js';
export {
  emailKeyOf,
  type UserPage,
  UserRepository,
  type UserSummary,
  usernameKeyOf,
} from './repositories/user.repository.js';
export { WebauthnChallengeRepository } from './repositories/webauthn-challenge.repository.js';
export { type SeedResult, type SeedUser, seedUsers } from './seed.js';
