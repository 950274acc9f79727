import type { EntityManager } from '@mikro-orm/core';
import type { CookieModePort } from './cookie-mode.js';
import type { AccountEmailService } from './services/account-email.js';
import type { AdminService } from './services/admin.js';
import type { AuthService } from './services/auth.js';
import type { OidcService } from './services/oidc.js';
import type { PasswordHasher } from './services/passwords.js';

/** Built once per process by the composition root. */
export interface ApiServices {
  auth: AuthService;
  admin: AdminService;
  /** The hasher `auth` uses: servers `warmUp()` it before they listen. */
  passwords: PasswordHasher;
  /** The account's address: verification and password reset by email. */
  email: AccountEmailService;
  /** Sign-in with identity providers (OpenID Connect) and linked accounts. */
  oidc: OidcService;
}

/** Everything a request brings, already stripped of its transport. */
export interface CreateContextOptions {
  /** The ORM's root EntityManager: every call works on its own fork of it. */
  em: EntityManager;
  services: ApiServices;
  /** The raw `Authorization` header, if any. */
  authorization?: string | undefined;
  clientAddress?: string | undefined;
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
      publicOrigin: opts.publicOrigin ?? DEFAULT_PUBLIC_ORIGIN,
    },
  };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
