import { randomBytes } from 'node:crypto';
import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';
import { MAX_CREDENTIAL_ID_LENGTH, type Passkey, repositoriesOf } from '@repo/db';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppError } from '../errors.js';
import type { TokenPair } from '../fields.js';
import type { AuthIdentity, AuthService, ClientInfo } from './auth.js';
import type { MailContext, MailMessage, MailOutbox } from './mail.js';
import { ignoreSecurityEvents, type RequestInfo, type SecurityEventSink } from './security-events.js';

/** A challenge is answered within 5 minutes, once. */
export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60_000;
/** 32 random bytes: twice WebAuthn's minimum of 16. */
const CHALLENGE_BYTES = 32;

/** Who the passkeys are for: the relying party, and the origins allowed to answer. */
export interface WebauthnConfig {
  /** The RP ID: a domain, the app's host or a parent of it (WEBAUTHN_RP_ID). */
  rpId: string;
  /** Shown by the authenticator when a passkey is made (WEBAUTHN_RP_NAME). */
  rpName: string;
  /** Exact origins (`https://…`, or `http://localhost[:port]`) whose responses are accepted (WEBAUTHN_ORIGINS). */
  origins: string[];
}

export interface PasskeyDeps {
  auth: AuthService;
  webauthn: WebauthnConfig;
  /** Notices of added and removed passkeys; none are sent without one. */
  outbox: MailOutbox | undefined;
  events?: SecurityEventSink;
  now?: () => Date;
}

/** A passkey as its owner sees it. */
export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

function summaryOf(passkey: Passkey): PasskeySummary {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt ? passkey.lastUsedAt.toISOString() : null,
  };
}

function invalidResponse(reason: string): AppError {
  return new AppError('INVALID_INPUT', `response: ${reason}`, { field: 'response' });
}

/** One answer for every failed passkey sign-in: it tells nothing of which check failed. */
function passkeySignInFailed(): AppError {
  return new AppError('INVALID_CREDENTIALS', 'Passkey sign-in failed');
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * SimpleWebAuthn, loaded at the first passkey call rather than at start: it
 * is the heaviest library of the API (bench/README.md), and most requests
 * never touch a passkey.
 */
let webauthnLibrary: Promise<
  [typeof import('@simplewebauthn/server'), typeof import('@simplewebauthn/server/helpers')]
>;
const webauthn = () =>
  (webauthnLibrary ??= Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]));

/** The challenge a response signed, read from its clientDataJSON; undefined if it has none. */
async function challengeOf(clientDataJSON: string): Promise<string | undefined> {
  const [, { decodeClientDataJSON }] = await webauthn();
  try {
    const { challenge } = decodeClientDataJSON(clientDataJSON);
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Passkeys (WebAuthn Level 3): discoverable credentials with user
 * verification, registered by a signed-in user who confirms their password,
 * and a sign-in with one of them that is a complete sign-in. The checks of
 * each response (type, challenge, origin, RP ID hash, presence, verification,
 * signature) are @simplewebauthn/server's; the challenges, the sign counter
 * and who owns a credential are ours.
 */
export class PasskeyService {
  readonly #now: () => Date;
  readonly #emit: SecurityEventSink;

  constructor(private readonly deps: PasskeyDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#emit = deps.events ?? ignoreSecurityEvents;
  }

  /** Waits for the notices being sent (tests). */
  async idle(): Promise<void> {
    await this.deps.outbox?.idle();
  }

  async list(em: EntityManager, identity: AuthIdentity): Promise<PasskeySummary[]> {
    return (await repositoriesOf(em).passkeys.listOfUser(identity.user.id)).map(summaryOf);
  }

  /** Options for `navigator.credentials.create()`, after the current password (counted like a sign-in). */
  async registrationOptions(
    em: EntityManager,
    identity: AuthIdentity,
    currentPassword: string,
    request: RequestInfo = {},
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = await this.deps.auth.confirmCurrentPassword(em, identity, currentPassword, request);
    const { passkeys, webauthnChallenges } = repositoriesOf(em);
    const owned = await passkeys.listOfUser(user.id);
    const [{ generateRegistrationOptions }] = await webauthn();
    const options = await generateRegistrationOptions({
      rpName: this.deps.webauthn.rpName,
      rpID: this.deps.webauthn.rpId,
      userName: user.username,
      userDisplayName: user.username,
      // The user handle: the user id, which a discoverable credential gives back at sign-in.
      userID: Buffer.from(user.id, 'utf8'),
      challenge: randomBytes(CHALLENGE_BYTES),
      timeout: WEBAUTHN_CHALLENGE_TTL_MS,
      attestationType: 'none',
      // One passkey per authenticator: the authenticator refuses to make a second.
      excludeCredentials: owned.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports,
      })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
    const now = this.#now();
    await webauthnChallenges.issue({
      challenge: options.challenge,
      purpose: 'registration',
      userId: user.id,
      expiresAt: new Date(now.getTime() + WEBAUTHN_CHALLENGE_TTL_MS),
      now,
    });
    return options;
  }

  /** Verifies the authenticator's answer to a registration challenge of this user, and stores the passkey. */
  async register(
    em: EntityManager,
    identity: AuthIdentity,
    input: { response: RegistrationResponseJSON; name?: string | undefined },
    request: RequestInfo = {},
  ): Promise<PasskeySummary> {
    const { webauthnChallenges } = repositoriesOf(em);
    const now = this.#now();
    const challenge = await challengeOf(input.response.response.clientDataJSON);
    // Used before it is verified: a wrong answer spends the challenge too.
    if (!challenge || !(await webauthnChallenges.useForUser(challenge, identity.user.id, now))) {
      this.#emit({ type: 'passkey.register_failed', userId: identity.user.id, reason: 'challenge', ...request });
      throw invalidResponse('answers no live registration challenge of yours (they last 5 minutes and work once)');
    }
    let credential: { id: string; publicKey: Uint8Array; counter: number; transports?: string[] | undefined };
    const [{ verifyRegistrationResponse }] = await webauthn();
    try {
      const verification = await verifyRegistrationResponse({
        response: input.response,
        expectedChallenge: challenge,
        expectedOrigin: this.deps.webauthn.origins,
        expectedRPID: this.deps.webauthn.rpId,
        requireUserPresence: true,
        requireUserVerification: true,
      });
      if (!verification.verified) throw new Error('the attestation did not verify');
      credential = verification.registrationInfo.credential;
    } catch (error) {
      const reason = messageOf(error);
      this.#emit({ type: 'passkey.register_failed', userId: identity.user.id, reason, ...request });
      throw invalidResponse(`could not be verified (${reason})`);
    }
    if (credential.id.length > MAX_CREDENTIAL_ID_LENGTH) {
      throw invalidResponse(
        `the credential id is longer than this server stores (${MAX_CREDENTIAL_ID_LENGTH} characters)`,
      );
    }
    const name = input.name?.trim() || 'Passkey';
    let id: string;
    try {
      // The passkey and its audit row commit together, or neither is stored.
      id = await em.transactional(async (tx) => {
        const added = await repositoriesOf(tx).passkeys.add({
          userId: identity.user.id,
          credentialId: credential.id,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          transports: credential.transports ?? [],
          name,
          now,
        });
        this.#emit(
          {
            type: 'passkey.added',
            userId: identity.user.id,
            sessionId: identity.sessionId,
            passkeyId: added,
            ...request,
          },
          tx,
        );
        return added;
      });
    } catch (error) {
      // The unique index decides: a credential belongs to one user only.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      this.#emit({ type: 'passkey.register_failed', userId: identity.user.id, reason: 'credential taken', ...request });
      throw new AppError('PASSKEY_TAKEN', 'response: this passkey is already registered', { field: 'response' });
    }
    this.#notify(identity, 'passkey_added', name);
    return { id, name, createdAt: now.toISOString(), lastUsedAt: null };
  }

  async remove(em: EntityManager, identity: AuthIdentity, id: string, request: RequestInfo = {}): Promise<void> {
    const { passkeys } = repositoriesOf(em);
    const passkey = await passkeys.findOne({ id, user: identity.user.id }, { fields: ['name'] });
    // Someone else's passkey is as absent as one that never was.
    const isRemoved =
      passkey !== null &&
      (await em.transactional(async (tx) => {
        if (!(await repositoriesOf(tx).passkeys.removeOfUser(id, identity.user.id))) return false;
        this.#emit(
          {
            type: 'passkey.removed',
            userId: identity.user.id,
            sessionId: identity.sessionId,
            passkeyId: id,
            ...request,
          },
          tx,
        );
        return true;
      }));
    if (!passkey || !isRemoved) throw new AppError('PASSKEY_NOT_FOUND', 'No such passkey');
    this.#notify(identity, 'passkey_removed', passkey.name);
  }

  /** A sign-in challenge for any discoverable passkey of this RP (no allowCredentials: the authenticator picks). */
  async authenticationOptions(
    em: EntityManager,
  ): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const [{ generateAuthenticationOptions }] = await webauthn();
    const options = await generateAuthenticationOptions({
      rpID: this.deps.webauthn.rpId,
      challenge: randomBytes(CHALLENGE_BYTES),
      timeout: WEBAUTHN_CHALLENGE_TTL_MS,
      userVerification: 'required',
      allowCredentials: [],
    });
    const now = this.#now();
    const challengeId = await repositoriesOf(em).webauthnChallenges.issue({
      challenge: options.challenge,
      purpose: 'authentication',
      userId: null,
      expiresAt: new Date(now.getTime() + WEBAUTHN_CHALLENGE_TTL_MS),
      now,
    });
    return { challengeId, options };
  }

  /** Verifies an assertion to the challenge `challengeId` and signs its passkey's user in. */
  async login(
    em: EntityManager,
    input: { challengeId: string; response: AuthenticationResponseJSON },
    request: RequestInfo = {},
    client: ClientInfo = {},
  ): Promise<TokenPair> {
    const { passkeys, webauthnChallenges } = repositoriesOf(em);
    const now = this.#now();
    const refuse = (reason: string, userId?: string): never => {
      this.#emit({ type: 'passkey.login_failed', reason, ...(userId ? { userId } : {}), ...request });
      throw passkeySignInFailed();
    };
    // Used before anything is verified: whatever follows, it never works again.
    const challenge = await webauthnChallenges.useById(input.challengeId, now);
    if (!challenge) return refuse('challenge');
    const passkey = await passkeys.findByCredentialId(input.response.id);
    if (!passkey) return refuse('unknown credential');
    const user = passkey.user;
    // A discoverable credential names its user: it must be the passkey's owner.
    const userHandle = input.response.response.userHandle;
    if (userHandle !== undefined && Buffer.from(userHandle, 'base64url').toString('utf8') !== user.id) {
      return refuse('user handle', user.id);
    }
    let newCounter: number;
    const [{ verifyAuthenticationResponse }] = await webauthn();
    try {
      const verification = await verifyAuthenticationResponse({
        response: input.response,
        expectedChallenge: challenge,
        expectedOrigin: this.deps.webauthn.origins,
        expectedRPID: this.deps.webauthn.rpId,
        // Counter 0 here: the library would refuse a counter that went back
        // before checking the signature; we check it after, so that only a
        // genuine signature can raise the alarm below.
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: true,
      });
      if (!verification.verified) throw new Error('the signature did not verify');
      newCounter = verification.authenticationInfo.newCounter;
    } catch (error) {
      return refuse(messageOf(error), user.id);
    }
    if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) {
      // A signed counter that does not go forward: two copies of one
      // authenticator exist (WebAuthn §6.1.1), one of them perhaps cloned.
      this.#emit({
        type: 'passkey.counter_regressed',
        userId: user.id,
        passkeyId: passkey.id,
        reason: `counter ${newCounter} after ${passkey.counter}`,
        ...request,
      });
      throw passkeySignInFailed();
    }
    if (user.disabledAt) {
      this.#emit({ type: 'login.disabled', userId: user.id, method: 'passkey', ...request });
      throw passkeySignInFailed();
    }
    await passkeys.recordUse(passkey.id, newCounter, now);
    return this.deps.auth.completeSignIn(em, user, request, client, 'passkey');
  }

  #notify(identity: AuthIdentity, purpose: 'passkey_added' | 'passkey_removed', name: string): void {
    const to = identity.user.email;
    if (!to) return;
    const context: MailContext = { userId: identity.user.id, purpose };
    this.deps.outbox?.dispatch(noticeMessage(to, identity.user.username, purpose, name), context);
  }
}

function noticeMessage(
  to: string,
  username: string,
  purpose: 'passkey_added' | 'passkey_removed',
  name: string,
): MailMessage {
  const isAdded = purpose === 'passkey_added';
  return {
    to,
    subject: isAdded ? 'A passkey was added to your account' : 'A passkey was removed from your account',
    text:
      `Hello ${username},\n\nThe passkey "${name}" was ${isAdded ? 'added to' : 'removed from'} your account.\n\n` +
      'If this was not you, change your password and review your passkeys at once.\n',
  };
}
