import type { EntityManager } from '@mikro-orm/core';
import type { AuditEvent } from '../entities/audit-event.entity.js';
import { AuditEventSchema } from '../entities/audit-event.entity.js';
import type { LinkedAccount } from '../entities/linked-account.entity.js';
import { LinkedAccountSchema } from '../entities/linked-account.entity.js';
import type { MfaChallenge } from '../entities/mfa-challenge.entity.js';
import { MfaChallengeSchema } from '../entities/mfa-challenge.entity.js';
import type { OidcTicket } from '../entities/oidc-ticket.entity.js';
import { OidcTicketSchema } from '../entities/oidc-ticket.entity.js';
import type { OneTimeToken } from '../entities/one-time-token.entity.js';
import { OneTimeTokenSchema } from '../entities/one-time-token.entity.js';
import type { Passkey } from '../entities/passkey.entity.js';
import { PasskeySchema } from '../entities/passkey.entity.js';
import type { RecoveryCode } from '../entities/recovery-code.entity.js';
import { RecoveryCodeSchema } from '../entities/recovery-code.entity.js';
import type { Session } from '../entities/session.entity.js';
import { SessionSchema } from '../entities/session.entity.js';
import type { TotpCredential } from '../entities/totp-credential.entity.js';
import { TotpCredentialSchema } from '../entities/totp-credential.entity.js';
import type { User } from '../entities/user.entity.js';
import { UserSchema } from '../entities/user.entity.js';
import type { WebauthnChallenge } from '../entities/webauthn-challenge.entity.js';
import { WebauthnChallengeSchema } from '../entities/webauthn-challenge.entity.js';
import type { AuditEventRepository } from './audit-event.repository.js';
import type { LinkedAccountRepository } from './linked-account.repository.js';
import type { MfaChallengeRepository } from './mfa-challenge.repository.js';
import type { OidcTicketRepository } from './oidc-ticket.repository.js';
import type { OneTimeTokenRepository } from './one-time-token.repository.js';
import type { PasskeyRepository } from './passkey.repository.js';
import type { RecoveryCodeRepository } from './recovery-code.repository.js';
import type { SessionRepository } from './session.repository.js';
import type { TotpCredentialRepository } from './totp-credential.repository.js';
import type { UserRepository } from './user.repository.js';
import type { WebauthnChallengeRepository } from './webauthn-challenge.repository.js';

/** The typed custom repositories of an EntityManager (fork); `turbo gen entity` adds to it. */
export function repositoriesOf(em: EntityManager) {
  return {
    users: em.getRepository<User, UserRepository>(UserSchema),
    sessions: em.getRepository<Session, SessionRepository>(SessionSchema),
    oneTimeTokens: em.getRepository<OneTimeToken, OneTimeTokenRepository>(OneTimeTokenSchema),
    passkeys: em.getRepository<Passkey, PasskeyRepository>(PasskeySchema),
    webauthnChallenges: em.getRepository<WebauthnChallenge, WebauthnChallengeRepository>(WebauthnChallengeSchema),
    totpCredentials: em.getRepository<TotpCredential, TotpCredentialRepository>(TotpCredentialSchema),
    recoveryCodes: em.getRepository<RecoveryCode, RecoveryCodeRepository>(RecoveryCodeSchema),
    mfaChallenges: em.getRepository<MfaChallenge, MfaChallengeRepository>(MfaChallengeSchema),
    auditEvents: em.getRepository<AuditEvent, AuditEventRepository>(AuditEventSchema),
    linkedAccounts: em.getRepository<LinkedAccount, LinkedAccountRepository>(LinkedAccountSchema),
    oidcTickets: em.getRepository<OidcTicket, OidcTicketRepository>(OidcTicketSchema),
  };
}
