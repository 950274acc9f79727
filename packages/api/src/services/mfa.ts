import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { repositoriesOf, type User, usernameKeyOf } from '@repo/db';
import { AppError } from '../errors.js';
import type { TokenPair } from '../fields.js';
import { type AuthIdentity, type AuthService, type ClientInfo, hashMfaToken } from './auth.js';
import type { MailMessage, MailOutbox, MailPurpose } from './mail.js';
import { ignoreSecurityEvents, type RequestInfo, type SecurityEventSink } from './security-events.js';
import { newTotpSecret, otpauthUrlOf, type SecretCipher, stepOfCode } from './totp.js';

// Declared here, not imported from the procedure (services/auth.ts says why).
/** The second factor of a sign-in (auth.verifyMfa's input): a TOTP code or a recovery code. */
export interface VerifyMfaInput {
  mfaToken: string;
  code?: string;
  recoveryCode?: string;
}

/** Recovery codes per set. */
export const RECOVERY_CODES_PER_SET = 10;
/**
 * 128 random bits per recovery code. The contract allows a fast hash only
 * for codes of at least 112 bits: no one can search a space that large, so
 * SHA-256 (which the lookup by hash needs: no per-code salt) is enough, where
 * shorter codes would need a salted slow hash.
 */
const RECOVERY_CODE_BYTES = 16;
/** Wrong codes an mfaToken allows: each attempt is counted before its code is checked. */
export const MFA_CHALLENGE_MAX_ATTEMPTS = 5;

export interface MfaDeps {
  auth: AuthService;
  cipher: SecretCipher;
  /** Undefined when the server cannot send mail: the notices are then not sent. */
  outbox: MailOutbox | undefined;
  /** The name authenticator apps show beside the account (the otpauth URL's issuer). */
  issuer: string;
  events?: SecurityEventSink;
  now?: () => Date;
}

/** A code as the person typed it, in the one form that is hashed: lower-case hex, no spaces or dashes. */
function normalizedRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizedRecoveryCode(code)).digest('hex');
}

/** A new set: shown as four groups of eight hex digits, easy to read out and type. */
function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES_PER_SET }, () =>
    (randomBytes(RECOVERY_CODE_BYTES).toString('hex').match(/.{8}/g) ?? []).join('-'),
  );
}

const wrongCode = () => new AppError('INVALID_INPUT', 'code: is incorrect', { field: 'code' });
const wrongSignInCode = () => new AppError('INVALID_CREDENTIALS', 'Invalid code or expired sign-in; sign in again');

type Factor = { code: string } | { recoveryCode: string };

/**
 * The second factor: TOTP enrolment and removal, recovery codes, and the
 * second step of a sign-in. Every code is checked only after an attempt was
 * taken from the login budgets (AuthService.takePasswordAttempt), and the
 * acceptance of a code is a conditional update, so a code works once however
 * many requests carry it at the same moment.
 */
export class MfaService {
  readonly #now: () => Date;
  readonly #emit: SecurityEventSink;

  constructor(private readonly deps: MfaDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#emit = deps.events ?? ignoreSecurityEvents;
  }

  async status(em: EntityManager, identity: AuthIdentity): Promise<{ totp: boolean; recoveryCodesLeft: number }> {
    const { totpCredentials, recoveryCodes } = repositoriesOf(em);
    const totp = await totpCredentials.isEnabledFor(identity.user.id);
    return { totp, recoveryCodesLeft: totp ? await recoveryCodes.countUnused(identity.user.id) : 0 };
  }

  /** A new pending secret (replacing a pending one); TOTP is on once `confirmTotp` gets a code of it. */
  async setupTotp(
    em: EntityManager,
    identity: AuthIdentity,
    currentPassword: string,
    request: RequestInfo = {},
  ): Promise<{ secret: string; otpauthUrl: string }> {
    const user = await this.deps.auth.confirmCurrentPassword(em, identity, currentPassword, request);
    const secret = newTotpSecret();
    const isStored = await repositoriesOf(em).totpCredentials.replacePending({
      userId: user.id,
      encryptedSecret: this.deps.cipher.encrypt(secret, user.id),
      now: this.#now(),
    });
    if (!isStored) throw new AppError('MFA_STATE', 'TOTP is already on; turn it off first to set up another app');
    return { secret, otpauthUrl: otpauthUrlOf(secret, user.username, this.deps.issuer) };
  }

  /** Turns TOTP on with a first code of the pending secret; answers the first set of recovery codes. */
  async confirmTotp(
    em: EntityManager,
    identity: AuthIdentity,
    code: string,
    request: RequestInfo = {},
  ): Promise<string[]> {
    const userId = identity.user.id;
    const credential = await repositoriesOf(em).totpCredentials.findOfUser(userId);
    if (!credential || credential.confirmedAt) {
      throw new AppError(
        'MFA_STATE',
        credential ? 'TOTP is already on' : 'No TOTP setup is waiting for a code; start with the setup',
      );
    }
    const keys = { username: usernameKeyOf(identity.user.username), address: request.clientAddress };
    await this.deps.auth.takePasswordAttempt(keys, 'password.throttled', request);
    const now = this.#now();
    const step = stepOfCode(this.deps.cipher.decrypt(credential.encryptedSecret, userId), code, now);
    const codes = newRecoveryCodes();
    const isConfirmed =
      step !== null &&
      (await em.transactional(async (tx) => {
        const repos = repositoriesOf(tx);
        if (!(await repos.totpCredentials.acceptStep({ id: credential.id, step, now, pending: true }))) return false;
        await repos.recoveryCodes.replaceSet(userId, codes.map(hashRecoveryCode), now);
        // In the transaction: the audit row commits with the change, or neither does.
        this.#emit({ type: 'mfa.totp_enabled', userId, sessionId: identity.sessionId, ...request }, tx);
        return true;
      }));
    if (!isConfirmed) {
      this.#emit({ type: 'mfa.failed', userId, sessionId: identity.sessionId, ...request });
      throw wrongCode();
    }
    await this.deps.auth.passwordAccepted(keys);
    this.#notify(identity.user, 'totp_enabled');
    return codes;
  }

  /** Turns TOTP off and retires the recovery codes: the password and a code (or a recovery code) required. */
  async disable(
    em: EntityManager,
    identity: AuthIdentity,
    input: { currentPassword: string; code: string },
    request: RequestInfo = {},
  ): Promise<void> {
    const user = await this.#confirmBothFactors(em, identity, input, request);
    await em.transactional(async (tx) => {
      const repos = repositoriesOf(tx);
      await repos.totpCredentials.removeOfUser(user.id);
      await repos.recoveryCodes.removeOfUser(user.id);
      this.#emit({ type: 'mfa.totp_disabled', userId: user.id, sessionId: identity.sessionId, ...request }, tx);
    });
    this.#notify(user, 'totp_disabled');
  }

  /** A new set of recovery codes; the old set stops working. */
  async regenerateRecoveryCodes(
    em: EntityManager,
    identity: AuthIdentity,
    input: { currentPassword: string; code: string },
    request: RequestInfo = {},
  ): Promise<string[]> {
    const user = await this.#confirmBothFactors(em, identity, input, request);
    const codes = newRecoveryCodes();
    await em.transactional(async (tx) => {
      await repositoriesOf(tx).recoveryCodes.replaceSet(user.id, codes.map(hashRecoveryCode), this.#now());
      this.#emit(
        { type: 'mfa.recovery_codes_regenerated', userId: user.id, sessionId: identity.sessionId, ...request },
        tx,
      );
    });
    this.#notify(user, 'recovery_codes_regenerated');
    return codes;
  }

  /**
   * The second step of a sign-in: the mfaToken of the password step and a
   * code. The attempt is taken from the login budgets and from the token's
   * own five before the code is checked; the session starts, and the
   * username's failures are cleared, only when the code is right.
   */
  async verifySignIn(
    em: EntityManager,
    input: VerifyMfaInput,
    request: RequestInfo = {},
    client: ClientInfo = {},
  ): Promise<TokenPair> {
    const { users, mfaChallenges } = repositoriesOf(em);
    const tokenHash = hashMfaToken(input.mfaToken);
    const now = this.#now();
    const userId = await mfaChallenges.userOfLive(tokenHash, now);
    const user = userId ? await users.findOne({ id: userId }, { refresh: true }) : null;
    if (!user) throw wrongSignInCode();
    const keys = { username: user.usernameKey, address: request.clientAddress };
    await this.deps.auth.takePasswordAttempt(keys, 'login.throttled', request);
    if (!(await mfaChallenges.takeAttempt(tokenHash, MFA_CHALLENGE_MAX_ATTEMPTS, now))) throw wrongSignInCode();
    const factor: Factor = input.code !== undefined ? { code: input.code } : { recoveryCode: input.recoveryCode ?? '' };
    const method = await this.#verifyFactor(em, user.id, factor, now, request);
    if (!method) {
      this.#emit({ type: 'mfa.failed', userId: user.id, ...request });
      throw wrongSignInCode();
    }
    // Of two right answers racing with one token, one signs in. A user
    // disabled since the password step is refused like a wrong code.
    if (!(await mfaChallenges.spend(tokenHash, now)) || user.disabledAt) throw wrongSignInCode();
    await this.deps.auth.passwordAccepted(keys);
    if (method === 'recovery') this.#notify(user, 'recovery_code_used');
    return this.deps.auth.completeSignIn(em, user, request, client);
  }

  /** The password, then the second factor, of a signed-in user about to change the second factor. */
  async #confirmBothFactors(
    em: EntityManager,
    identity: AuthIdentity,
    input: { currentPassword: string; code: string },
    request: RequestInfo,
  ): Promise<User> {
    const user = await this.deps.auth.confirmCurrentPassword(em, identity, input.currentPassword, request);
    if (!(await repositoriesOf(em).totpCredentials.isEnabledFor(user.id))) {
      throw new AppError('MFA_STATE', 'TOTP is not on');
    }
    const keys = { username: usernameKeyOf(user.username), address: request.clientAddress };
    await this.deps.auth.takePasswordAttempt(keys, 'password.throttled', request);
    // Six digits are an authenticator's code; anything else is tried as a recovery code.
    const factor: Factor = /^\s*\d{6}\s*$/.test(input.code)
      ? { code: input.code.trim() }
      : { recoveryCode: input.code };
    const method = await this.#verifyFactor(em, user.id, factor, this.#now(), request);
    if (!method) {
      this.#emit({ type: 'mfa.failed', userId: user.id, sessionId: identity.sessionId, ...request });
      throw wrongCode();
    }
    await this.deps.auth.passwordAccepted(keys);
    if (method === 'recovery') this.#notify(user, 'recovery_code_used');
    return user;
  }

  /**
   * Accepts the factor once (a TOTP step later than the last, or an unused
   * recovery code); null when it is wrong or spent. A recovery code is spent
   * in a transaction with its `mfa.recovery_code_used` row.
   */
  async #verifyFactor(
    em: EntityManager,
    userId: string,
    factor: Factor,
    now: Date,
    request: RequestInfo,
  ): Promise<'totp' | 'recovery' | null> {
    const { totpCredentials } = repositoriesOf(em);
    if ('recoveryCode' in factor) {
      const codeHash = hashRecoveryCode(factor.recoveryCode);
      const isSpent = await em.transactional(async (tx) => {
        if (!(await repositoriesOf(tx).recoveryCodes.spend(userId, codeHash, now))) return false;
        this.#emit({ type: 'mfa.recovery_code_used', userId, ...request }, tx);
        return true;
      });
      return isSpent ? 'recovery' : null;
    }
    const credential = await totpCredentials.findOfUser(userId);
    if (!credential?.confirmedAt) return null;
    const step = stepOfCode(this.deps.cipher.decrypt(credential.encryptedSecret, userId), factor.code, now);
    if (step === null) return null;
    return (await totpCredentials.acceptStep({ id: credential.id, step, now, pending: false })) ? 'totp' : null;
  }

  /** A notice to the user's verified address, if any (the outbox applies the recipient's budget). */
  #notify(user: Pick<User, 'id' | 'username' | 'email'>, purpose: NoticePurpose): void {
    if (!user.email || !this.deps.outbox) return;
    this.deps.outbox.dispatch(noticeOf(purpose, user.email, user.username), { userId: user.id, purpose });
  }
}

type NoticePurpose = Extract<
  MailPurpose,
  'totp_enabled' | 'totp_disabled' | 'recovery_code_used' | 'recovery_codes_regenerated'
>;

const NOTICES: Record<NoticePurpose, { subject: string; what: string }> = {
  totp_enabled: {
    subject: 'Two-step sign-in is on',
    what: 'now asks for a code of your authenticator app at each sign-in',
  },
  totp_disabled: {
    subject: 'Two-step sign-in is off',
    what: 'no longer asks for a code of an authenticator app at sign-in, and its recovery codes no longer work',
  },
  recovery_code_used: {
    subject: 'A recovery code was used',
    what: 'was signed in to (or changed) with one of its recovery codes, which no longer works',
  },
  recovery_codes_regenerated: {
    subject: 'New recovery codes',
    what: 'has a new set of recovery codes; the earlier ones no longer work',
  },
};

function noticeOf(purpose: NoticePurpose, to: string, username: string): MailMessage {
  const notice = NOTICES[purpose];
  return {
    to,
    subject: notice.subject,
    text:
      `Hello ${username},\n\nYour account (${username}) ${notice.what}.\n\n` +
      'If this was not you, someone may have your password: sign in, change it, and review your signed-in devices.\n',
  };
}
