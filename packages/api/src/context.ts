import type { EntityManager } from '@mikro-orm/core';
import type { CookieModePort } from './cookie-mode.js';
import type { AccountEmailService } from './services/account-email.js';
import type { AdminService } from './services/admin.js';
import type { AuditLog } from './services/audit-log.js';
import type { AuthService } from './services/auth.js';
import type { MfaService } from './services/mfa.js';
import type { OidcService } from './services/oidc.js';
import type { PasskeyService } from './services/passkeys.js';
import type { PasswordHasher } from './services/passwords.js';
import { MAX_USER_AGENT_LENGTH } from './services/security-events.js';
import type { ThrottleObserver } from './services/throttle.js';

/** Built once per process by the composition root. */
export interface ApiServices {
  auth: AuthService;
  admin: AdminService;
  /** The hasher `auth` uses: servers `warmUp()` it before they listen. */
  passwords: PasswordHasher;
  /** The account's address: verification and password reset by email. */
  email: AccountEmailService;
  /** The second factor: TOTP, recovery codes, the code step of a sign-in. */
  mfa: MfaService;
  /** Passkeys: their registration, list and removal, and the sign-in with one. */
  passkeys: PasskeyService;
  /** Stores every security event in `audit_events`. */
  audit: AuditLog;
  /** Sign-in with identity providers (OpenID Connect) and linked accounts. */
  oidc: OidcService;
  /** What the composition root watches (metrics), if anything. */
  observer?: ApiObserver;
}

/** What the composition root may watch of the API, for metrics. Hooks are optional and must not throw. */
export interface ApiObserver extends ThrottleObserver {
  /** Every procedure call, when it has finished: its path, its kind, how long it took and how it failed. */
  procedureFinished?: (call: ProcedureCall) => void;
}

export interface ProcedureCall {
  /** `user.me`, never a raw URL. */
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  durationMs: number;
  /** The tRPC error code it failed with; undefined when it succeeded. */
  errorCode: string | undefined;
}

/** Everything a request brings, already stripped of its transport. */
export interface CreateContextOptions {
  /** The ORM's root EntityManager: every call works on its own fork of it. */
  em: EntityManager;
  services: ApiServices;
  /** The raw `Authorization` header, if any. */
  authorization?: string | undefined;
  clientAddress?: string | undefined;
  /** The raw `User-Agent` header, if any: kept with a new session (its list) and in the audit log (cut). */
  userAgent?: string | undefined;
  /**
   * The API's public origin (API_URL, else the request's own as TRUST_PROXY
   * lets the server see it): where URLs the API hands out lead.
   */
  publicOrigin?: string | undefined;
  requestId?: string | undefined;
  /**
   * Cookie mode's request and response (cookie-mode.ts), when the
   * request sent `X-Session-Mode` or a `Cookie` header; none for a bearer call.
   */
  cookies?: CookieModePort | undefined;
}

/** The public origin of an in-process caller (no request): the server's default address. */
export const DEFAULT_PUBLIC_ORIGIN = 'http://127.0.0.1:3000';

export function createContext(opts: CreateContextOptions) {
  return {
    em: opts.em,
    services: opts.services,
    authorization: opts.authorization,
    cookies: opts.cookies,
    /** Who asked: passed to services for throttling and security events. */
    request: {
      requestId: opts.requestId,
      clientAddress: opts.clientAddress,
      userAgent: opts.userAgent?.slice(0, MAX_USER_AGENT_LENGTH),
      publicOrigin: opts.publicOrigin ?? DEFAULT_PUBLIC_ORIGIN,
    },
    /** What a new session keeps of the client. */
    client: { userAgent: opts.userAgent },
  };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
