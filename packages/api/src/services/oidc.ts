import { createHash, randomBytes } from 'node:crypto';
import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';
import { repositoriesOf } from '@repo/db';
import type * as client from 'openid-client';
import { AppError } from '../errors.js';
import type { TokenPair } from '../fields.js';
import type { AuthIdentity, AuthService, ClientInfo } from './auth.js';
import { hasPassword, NO_PASSWORD_HASH } from './passwords.js';
import { ignoreSecurityEvents, type RequestInfo, type SecurityEventSink } from './security-events.js';
import type { AuthThrottle } from './throttle.js';

/** openid-client, loaded at the first provider call: a server with no provider configured never needs it. */
let openidClientLibrary: Promise<typeof import('openid-client')> | undefined;
const openidClient = () => (openidClientLibrary ??= import('openid-client'));

// Declared here, not imported from the procedure (services/auth.ts says why).
/** An identity provider users can sign in with (auth.providers answers them). */
export interface OidcProvider {
  name: string;
  label: string;
}

/** An account at an identity provider, linked to a user (user.linkedAccounts answers them). */
export interface LinkedAccount {
  provider: string;
  label: string;
  email: string | null;
  /** ISO 8601. */
  createdAt: string;
}

/** An identity provider as configured (OIDC_PROVIDERS and OIDC_<NAME>_*). */
export interface OidcProviderConfig {
  /** Lower-case, in URLs: `/api/auth/oidc/{name}/start`. */
  name: string;
  /** What the sign-in button says ("Continue with …"). */
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface OidcDeps {
  providers: readonly OidcProviderConfig[];
  auth: AuthService;
  throttle: AuthThrottle;
  /** The web app's base URL: the callback redirects to its `#/signed-in` screen. */
  appUrl: string;
  events?: SecurityEventSink;
  now?: () => Date;
  /** The fetch openid-client uses to reach providers (tests rewrite the provider's answers with it). */
  fetch?: client.CustomFetch;
}

/** How long a sign-in at the provider may take, start to callback (the flow cookie's life too). */
export const OIDC_FLOW_TTL_MS = 10 * 60_000;
/** How long the callback's one-time code may wait for `auth.oidcExchange`. */
export const OIDC_SIGN_IN_CODE_TTL_MS = 60_000;
/** How long `user.linkStart`'s URL may wait to be opened. */
export const OIDC_LINK_TICKET_TTL_MS = 5 * 60_000;

const SCOPE = 'openid email profile';

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');
/** 256 random bits, URL-safe. */
const newSecret = () => randomBytes(32).toString('base64url');

/** What the start route does: set the flow cookie to `flowSecret`, then send the browser to `url`. */
export interface OidcStart {
  flowSecret: string;
  url: string;
  maxAgeMs: number;
}

const USERNAME_MAX = 40;

/** A username from what the provider says of the person: its allowed characters, 3–40 of them. */
function usernameBaseOf(claims: client.IDToken): string {
  const candidates = [
    claims.preferred_username,
    claims.name,
    typeof claims.email === 'string' ? claims.email.split('@')[0] : undefined,
  ];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string') continue;
    const cleaned = candidate
      .normalize('NFKD')
      .replace(/\s+/g, '.')
      .replace(/[^A-Za-z0-9_.-]/g, '')
      .slice(0, USERNAME_MAX - 5);
    if (cleaned.length >= 3) return cleaned;
  }
  return 'user';
}

/**
 * openid-client's words for a refusal, and those of the check that failed
 * (its cause, oauth4webapi's error: `unexpected JWT "aud" (audience) claim
 * value`); messages only, which carry no token.
 */
function refusalReasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'refused';
  const cause = error.cause instanceof Error && error.cause.message !== error.message ? error.cause.message : undefined;
  return cause ? `${error.message}: ${cause}` : error.message;
}

/**
 * Sign-in with identity providers (OpenID Connect, authorization code flow
 * with PKCE, through `openid-client`). Everything a flow needs between its
 * requests lives in the database (`oidc_tickets`), so any instance can finish
 * a flow another began. Accounts are found by (provider, subject), never by
 * email: a new subject whose verified email is a local account's is not
 * linked until the person proves that account (signs in, then `linkStart`).
 */
export class OidcService {
  readonly #now: () => Date;
  readonly #emit: SecurityEventSink;
  readonly #providers: Map<string, OidcProviderConfig>;
  readonly #configurations = new Map<string, Promise<client.Configuration>>();

  constructor(private readonly deps: OidcDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#emit = deps.events ?? ignoreSecurityEvents;
    this.#providers = new Map(deps.providers.map((provider) => [provider.name, provider]));
  }

  /** The configured providers, for the sign-in buttons. */
  providers(): OidcProvider[] {
    return [...this.#providers.values()].map(({ name, label }) => ({ name, label }));
  }

  #provider(name: string): OidcProviderConfig {
    const provider = this.#providers.get(name);
    if (!provider) throw new AppError('PROVIDER_NOT_FOUND', `No identity provider named "${name}" is configured`);
    return provider;
  }

  /** The provider's metadata by discovery, once per process (a failure is tried again on the next request). */
  #configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    let configuration = this.#configurations.get(provider.name);
    if (!configuration) {
      const isPlainHttp = new URL(provider.issuer).protocol === 'http:';
      configuration = openidClient()
        .then((oidc) =>
          oidc.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, {
            // Plain http only for a local issuer (config.ts refuses it in production).
            ...(isPlainHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
            ...(this.deps.fetch ? { [oidc.customFetch]: this.deps.fetch } : {}),
          }),
        )
        .catch((error: unknown) => {
          this.#configurations.delete(provider.name);
          throw new AppError(
            'PROVIDER_UNAVAILABLE',
            `The identity provider "${provider.name}" could not be reached (${error instanceof Error ? error.message : 'discovery failed'})`,
          );
        });
      this.#configurations.set(provider.name, configuration);
    }
    return configuration;
  }

  /**
   * Begins a sign-in (or, with a `user.linkStart` ticket, a link) at the
   * provider: a flow with fresh state, nonce and PKCE verifier, and the
   * provider's authorization URL. A link ticket is honoured only in the
   * browser signed in to its account (`sessionUserId`, from that browser's
   * session cookie): a link URL sent to someone else links nothing.
   */
  async start(
    em: EntityManager,
    input: { provider: string; redirectUri: string; linkTicket?: string | undefined; sessionUserId?: string | null },
    request: RequestInfo = {},
  ): Promise<OidcStart> {
    const provider = this.#provider(input.provider);
    const now = this.#now();
    const { oidcTickets } = repositoriesOf(em);
    let userId: string | null = null;
    if (input.linkTicket !== undefined) {
      const ticket = await oidcTickets.spend(hashOf(input.linkTicket), 'link', provider.name, now);
      if (!ticket?.user) throw new AppError('OIDC_REFUSED', 'link: is invalid, expired or used; start the link again');
      if (ticket.user.id !== input.sessionUserId) {
        this.#emit({
          type: 'oidc.failed',
          provider: provider.name,
          reason: 'link started in another browser',
          ...request,
        });
        throw new AppError('FORBIDDEN', 'A link must be opened in the browser signed in to the account it links to');
      }
      userId = ticket.user.id;
    }
    const configuration = await this.#configuration(provider);
    const oidc = await openidClient();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const flowSecret = newSecret();
    await oidcTickets.issue({
      secretHash: hashOf(flowSecret),
      purpose: 'flow',
      provider: provider.name,
      userId,
      state,
      nonce,
      codeVerifier,
      redirectUri: input.redirectUri,
      expiresAt: new Date(now.getTime() + OIDC_FLOW_TTL_MS),
      now,
    });
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: input.redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { flowSecret, url: url.href, maxAgeMs: OIDC_FLOW_TTL_MS };
  }

  /**
   * The provider's redirect back: spends the flow named by the browser's flow
   * cookie, has openid-client check the answer (state, the code at the token
   * endpoint with the PKCE verifier, the ID token's signature, issuer,
   * audience, nonce and expiry), then finds, links or makes the account.
   * Returns where the browser goes next: the app's `#/signed-in` screen.
   * Throws for a missing or spent flow, or an answer that fails a check.
   */
  async callback(
    em: EntityManager,
    input: { provider: string; flowSecret: string | undefined; query: URLSearchParams },
    request: RequestInfo = {},
  ): Promise<string> {
    const provider = this.#provider(input.provider);
    const wait = await this.deps.throttle.takeOidcAttempt(request.clientAddress);
    if (wait > 0) {
      this.#emit({ type: 'oidc.throttled', provider: provider.name, ...request });
      throw new AppError('THROTTLED', `Too many sign-ins from this address; try again in ${wait} s`, {
        retryAfterSeconds: wait,
      });
    }
    const now = this.#now();
    const { oidcTickets } = repositoriesOf(em);
    // Spent before anything is checked: a flow answers one callback, right or wrong.
    const flow = input.flowSecret
      ? await oidcTickets.spend(hashOf(input.flowSecret), 'flow', provider.name, now)
      : null;
    if (!flow?.state || !flow.nonce || !flow.codeVerifier || !flow.redirectUri) {
      this.#emit({ type: 'oidc.failed', provider: provider.name, reason: 'no flow', ...request });
      throw new AppError(
        'OIDC_REFUSED',
        'state: no sign-in with this provider is in progress in this browser (or it expired); start again',
        { field: 'state' },
      );
    }
    if (input.query.get('error') && input.query.get('state') === flow.state) {
      // The person declined at the provider (or it failed): the app says so; nothing else happened.
      this.#emit({
        type: 'oidc.failed',
        provider: provider.name,
        reason: `provider: ${input.query.get('error')}`,
        ...request,
      });
      return this.#appUrl({ error: 'provider_refused', provider: provider.name });
    }
    if (input.query.get('state') !== flow.state) {
      // openid-client checks it too; checked first here to say so in words.
      this.#emit({ type: 'oidc.failed', provider: provider.name, reason: 'state mismatch', ...request });
      throw new AppError('OIDC_REFUSED', "state: does not match this browser's sign-in; start again", {
        field: 'state',
      });
    }
    const configuration = await this.#configuration(provider);
    const oidc = await openidClient();
    // The redirect URI exactly as sent at the start, with the provider's parameters.
    const currentUrl = new URL(flow.redirectUri);
    currentUrl.search = input.query.toString();
    let claims: client.IDToken;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new oidc.ClientError('the token response has no ID token');
      claims = idClaims;
    } catch (error) {
      const reason = refusalReasonOf(error);
      this.#emit({ type: 'oidc.failed', provider: provider.name, reason, ...request });
      if (error instanceof TypeError || (error instanceof Error && /fetch failed|ECONNREFUSED/.test(reason))) {
        throw new AppError('PROVIDER_UNAVAILABLE', `The identity provider "${provider.name}" could not be reached`);
      }
      throw new AppError('OIDC_REFUSED', `The identity provider's answer was refused: ${reason}`);
    }
    const email = typeof claims.email === 'string' ? claims.email : null;
    const isEmailVerified = email !== null && claims.email_verified === true;
    if (flow.user) {
      return this.#linkTo(em, flow.user.id, { provider: provider.name, subject: claims.sub, email }, request);
    }
    const { linkedAccounts, users } = repositoriesOf(em);
    const link = await linkedAccounts.findBySubject(provider.name, claims.sub);
    if (link) {
      const userId = link.user.id;
      // The code and its audit row commit together, or neither is stored.
      const code = await em.transactional(async (tx) => {
        const issued = await this.#issueSignInCode(tx, userId, provider.name, now);
        this.#emit({ type: 'oidc.signed_in', userId, provider: provider.name, ...request }, tx);
        return issued;
      });
      return this.#appUrl({ code });
    }
    if (isEmailVerified && (await users.findByEmail(email))) {
      // Never linked by email alone: whoever controls that address at the
      // provider is not yet shown to be this account's owner.
      this.#emit({ type: 'oidc.link_required', provider: provider.name, ...request });
      return this.#appUrl({ link: 'required', provider: provider.name });
    }
    let code: string;
    try {
      code = await this.#createAccount(
        em,
        {
          provider: provider.name,
          subject: claims.sub,
          email,
          verifiedEmail: isEmailVerified ? email : null,
          claims,
          now,
        },
        request,
      );
    } catch (error) {
      // Two first sign-ins of one subject at once: the unique (provider, subject) kept one account; use it.
      const made =
        error instanceof UniqueConstraintViolationException
          ? await repositoriesOf(em.fork()).linkedAccounts.findBySubject(provider.name, claims.sub)
          : null;
      if (!made) throw error;
      const userId = made.user.id;
      code = await em.transactional(async (tx) => {
        const issued = await this.#issueSignInCode(tx, userId, provider.name, now);
        this.#emit({ type: 'oidc.signed_in', userId, provider: provider.name, isNewAccount: true, ...request }, tx);
        return issued;
      });
    }
    return this.#appUrl({ code });
  }

  /** Turns a callback's one-time code into a session (once, within OIDC_SIGN_IN_CODE_TTL_MS). */
  async exchange(
    em: EntityManager,
    code: string,
    request: RequestInfo = {},
    client: ClientInfo = {},
  ): Promise<TokenPair> {
    const wait = await this.deps.throttle.takeOidcAttempt(request.clientAddress);
    if (wait > 0) {
      this.#emit({ type: 'oidc.throttled', ...request });
      throw new AppError('THROTTLED', `Too many sign-ins from this address; try again in ${wait} s`, {
        retryAfterSeconds: wait,
      });
    }
    const ticket = await repositoriesOf(em).oidcTickets.spend(hashOf(code), 'sign_in', undefined, this.#now());
    const user = ticket?.user ? await repositoriesOf(em).users.findOne({ id: ticket.user.id }) : null;
    if (!ticket || !user) throw new AppError('INVALID_INPUT', 'code: is invalid, expired or used', { field: 'code' });
    return this.deps.auth.signInWithProvider(em, user, ticket.provider, request, client);
  }

  /**
   * A URL that, opened in the browser signed in to this account, links it
   * to an account at the provider (the start route, with a one-time ticket).
   */
  async linkStart(
    em: EntityManager,
    identity: AuthIdentity,
    providerName: string,
    publicOrigin: string,
  ): Promise<{ url: string }> {
    const provider = this.#provider(providerName);
    const { linkedAccounts, oidcTickets } = repositoriesOf(em);
    if ((await linkedAccounts.count({ user: identity.user.id, provider: provider.name })) > 0) {
      throw new AppError('ALREADY_LINKED', `This account is already linked to ${provider.label}`);
    }
    const ticket = newSecret();
    const now = this.#now();
    await oidcTickets.issue({
      secretHash: hashOf(ticket),
      purpose: 'link',
      provider: provider.name,
      userId: identity.user.id,
      expiresAt: new Date(now.getTime() + OIDC_LINK_TICKET_TTL_MS),
      now,
    });
    const url = new URL(`/api/auth/oidc/${encodeURIComponent(provider.name)}/start`, publicOrigin);
    url.searchParams.set('link', ticket);
    return { url: url.href };
  }

  async linkedAccounts(em: EntityManager, identity: AuthIdentity): Promise<LinkedAccount[]> {
    const links = await repositoriesOf(em).linkedAccounts.listOfUser(identity.user.id);
    return links.map((link) => ({
      provider: link.provider,
      label: this.#providers.get(link.provider)?.label ?? link.provider,
      email: link.email ?? null,
      createdAt: link.createdAt.toISOString(),
    }));
  }

  /** Removes a link, unless it is the account's last way in (no password and no other link: 409). */
  async unlink(em: EntityManager, identity: AuthIdentity, provider: string, request: RequestInfo = {}): Promise<void> {
    const { users, linkedAccounts } = repositoriesOf(em);
    const user = await users.findByIdWithHash(identity.user.id);
    if (!user) throw new AppError('SESSION_REVOKED', 'The session has ended; sign in again');
    const removed = await em.transactional(async (tx) => {
      const count = await repositoriesOf(tx).linkedAccounts.unlink(user.id, provider, !hasPassword(user.passwordHash));
      // In the transaction: the audit row commits with the removal, or neither does.
      if (count > 0) {
        this.#emit({ type: 'oidc.unlinked', userId: user.id, sessionId: identity.sessionId, provider, ...request }, tx);
      }
      return count;
    });
    if (removed === 0) {
      if ((await linkedAccounts.count({ user: user.id, provider })) > 0) {
        throw new AppError(
          'LAST_SIGN_IN_METHOD',
          'This link is the only way to sign in to this account: set a password (reset it by email) or link another provider first',
        );
      }
      throw new AppError('NOT_LINKED', `This account has no link to "${provider}"`);
    }
  }

  async #linkTo(
    em: EntityManager,
    userId: string,
    account: { provider: string; subject: string; email: string | null },
    request: RequestInfo,
  ): Promise<string> {
    try {
      // The link and its audit row commit together, or neither is stored.
      await em.transactional(async (tx) => {
        await repositoriesOf(tx).linkedAccounts.link({ userId, ...account, now: this.#now() });
        this.#emit({ type: 'oidc.linked', userId, provider: account.provider, ...request }, tx);
      });
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      this.#emit({ type: 'oidc.failed', userId, provider: account.provider, reason: 'already linked', ...request });
      return this.#appUrl({ error: 'already_linked', provider: account.provider });
    }
    return this.#appUrl({ linked: account.provider });
  }

  /**
   * A new account for a new subject: a unique username from its claims, no
   * password, the link, the one-time sign-in code and the `oidc.signed_in`
   * audit row, in one transaction. Returns the code.
   */
  async #createAccount(
    em: EntityManager,
    input: {
      provider: string;
      subject: string;
      email: string | null;
      verifiedEmail: string | null;
      claims: client.IDToken;
      now: Date;
    },
    request: RequestInfo,
  ): Promise<string> {
    const base = usernameBaseOf(input.claims);
    const { users } = repositoriesOf(em);
    let username = base;
    for (let attempt = 0; await users.isUsernameTaken(username); attempt++) {
      // A random suffix after the plain name: a name cannot be guessed and squatted ahead of someone.
      username = `${base}-${randomBytes(3)
        .toString('hex')
        .slice(0, attempt < 3 ? 4 : 6)}`;
    }
    return em.transactional(async (tx) => {
      const repos = repositoriesOf(tx);
      const user = repos.users.add({
        username,
        passwordHash: NO_PASSWORD_HASH,
        ...(input.verifiedEmail ? { verifiedEmail: { address: input.verifiedEmail, at: input.now } } : {}),
      });
      await tx.flush();
      await repos.linkedAccounts.link({
        userId: user.id,
        provider: input.provider,
        subject: input.subject,
        email: input.email,
        now: input.now,
      });
      const code = await this.#issueSignInCode(tx, user.id, input.provider, input.now);
      this.#emit(
        { type: 'oidc.signed_in', userId: user.id, provider: input.provider, isNewAccount: true, ...request },
        tx,
      );
      return code;
    });
  }

  async #issueSignInCode(em: EntityManager, userId: string, provider: string, now: Date): Promise<string> {
    const code = newSecret();
    await repositoriesOf(em).oidcTickets.issue({
      secretHash: hashOf(code),
      purpose: 'sign_in',
      provider,
      userId,
      expiresAt: new Date(now.getTime() + OIDC_SIGN_IN_CODE_TTL_MS),
      now,
    });
    return code;
  }

  /** The app's `#/signed-in` screen with these parameters (never a token: a one-time code at most). */
  #appUrl(parameters: Record<string, string>): string {
    const url = new URL(this.deps.appUrl);
    url.hash = `/signed-in?${new URLSearchParams(parameters).toString()}`;
    return url.href;
  }
}
