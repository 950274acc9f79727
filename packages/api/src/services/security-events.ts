import type { EntityManager } from '@mikro-orm/core';
import type { UserRole } from '@repo/db';
import type { MailPurpose } from './mail.js';

/** Who asked, as far as the transport knows. */
export interface RequestInfo {
  requestId?: string | undefined;
  clientAddress?: string | undefined;
  /** The `User-Agent` header, cut to MAX_USER_AGENT_LENGTH. */
  userAgent?: string | undefined;
}

/** The longest user agent kept from a request: enough for any real browser's. */
export const MAX_USER_AGENT_LENGTH = 256;

export type SecurityEventType =
  | 'register'
  | 'register.throttled'
  | 'login.succeeded'
  | 'login.failed'
  /** The right password of a disabled user: answered as a failed login. */
  | 'login.disabled'
  | 'login.throttled'
  | 'refresh.reuse_detected'
  /** The refresh token just rotated came back within the reuse grace: answered with the current one. */
  | 'refresh.reuse_within_grace'
  | 'logout'
  | 'logout_all'
  | 'password.changed'
  | 'password.failed'
  | 'password.throttled'
  | 'email.set'
  | 'email.verified'
  | 'email.verification_sent'
  | 'email.verification_throttled'
  | 'email.send_failed'
  /** A message not sent: its recipient had THROTTLE_MAIL_PER_RECIPIENT messages this window. */
  | 'email.suppressed'
  | 'password_reset.requested'
  | 'password_reset.throttled'
  /** Over the email address's budget: answered as usual, nothing sent. */
  | 'password_reset.suppressed'
  | 'password_reset.completed'
  | 'token.refused'
  | 'passkey.added'
  | 'passkey.removed'
  /** A registration response refused (`reason` says which check). */
  | 'passkey.register_failed'
  /** A passkey sign-in refused (`reason` says which check). */
  | 'passkey.login_failed'
  /** A genuine signature with a sign counter that did not go forward: a cloned authenticator, perhaps. Refused. */
  | 'passkey.counter_regressed'
  /** Second factor: a code was wrong at sign-in or for a change; TOTP turned on or off; recovery codes. */
  | 'mfa.challenged'
  | 'mfa.failed'
  | 'mfa.totp_enabled'
  | 'mfa.totp_disabled'
  | 'mfa.recovery_code_used'
  | 'mfa.recovery_codes_regenerated'
  /**
   * The user ended one of their sessions from the list (`sessionId`); or a
   * sign-in past the session limit ended the least recently used ones
   * (`reason: 'session_limit'`, `revokedSessions`).
   */
  | 'session.revoked'
  /** A sign-in through an identity provider (the account found by its link, or just made: `isNewAccount`). */
  | 'oidc.signed_in'
  /** The provider's answer was refused (bad state, code or ID token), or the provider failed. */
  | 'oidc.failed'
  | 'oidc.throttled'
  /** A new subject whose verified email is a local account's: not linked; the person must sign in to that account first. */
  | 'oidc.link_required'
  | 'oidc.linked'
  | 'oidc.unlinked'
  /** A one-time sign-in code turned into a session. */
  | 'oidc.exchanged'
  | 'admin.role_changed'
  | 'admin.user_disabled';

/**
 * One security-relevant fact, for the audit log. It names users and sessions
 * by id and never carries a password, hash or token.
 */
export interface SecurityEvent extends RequestInfo {
  type: SecurityEventType;
  userId?: string;
  sessionId?: string;
  /** The (lower-cased) username tried, for failed and throttled password checks. */
  username?: string;
  /** Sessions ended by the event (logout-all, password change, reset, reuse, disable, the session limit). */
  revokedSessions?: number;
  /** Which emailed token or message an event is about. */
  purpose?: MailPurpose;
  /**
   * Why a mail could not be sent (the transport's error message; never the
   * message itself), why a passkey response was refused, or `session_limit`.
   */
  reason?: string;
  /** How a sign-in was made, when not by password. */
  method?: 'passkey';
  /** Passkey events: which passkey (its id in `passkey.list`). */
  passkeyId?: string;
  /** Admin events: the user acted on (`userId` is the admin). */
  targetUserId?: string;
  /** Identity-provider events: the provider's configured name. */
  provider?: string;
  /** `oidc.signed_in`: the account was made by this sign-in. */
  isNewAccount?: boolean;
  /** `admin.role_changed`: the new role. */
  role?: UserRole;
}

/**
 * Where services emit events. `unitOfWork`: the transaction the event's
 * change is made in, given where the event is emitted inside one; the audit
 * log then writes its row in that transaction (services/audit-log.ts).
 */
export type SecurityEventSink = (event: SecurityEvent, unitOfWork?: EntityManager) => void;

export const ignoreSecurityEvents: SecurityEventSink = () => {};
