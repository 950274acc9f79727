import type { EntityManager } from '@mikro-orm/core';
import { type BrowserSession, parseSessionMode, RefreshCookieOutbox } from './browser-session.js';
import type { AccountEmailService } from './services/account-email.js';
import type { AdminService } from './services/admin.js';
import type { AuthService } from './services/auth.js';
import type { MfaService } from './services/mfa.js';
import type { PasswordHasher } from './services/passwords.js';

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
}

/** Everything a request brings, already stripped of its transport. */
export interface CreateContextOptions {
  /** The ORM's root EntityManager: every call works on its own fork of it. */
  em: EntityManager;
  services: ApiServices;
  /** The raw `Authorization` header, if any. */
  authorization?: string | undefined;
  clientAddress?: string | undefined;
  /** The raw `User-Agent` header, if any: kept with a new session for the list of sessions. */
  userAgent?: string | undefined;
  requestId?: string | undefined;
  /** The raw `X-Session-Mode` header, if any (cookie mode, API.md). */
  sessionMode?: string | undefined;
  /** The value of the refresh-token cookie, if the request carried it. */
  refreshCookie?: string | undefined;
  /** The server's verdict on the `Origin` header: false for an origin neither its own nor allowed. Default true. */
  isOriginAllowed?: boolean;
  /** Where procedures leave the cookie to set or clear; the server writes it into the response. */
  outbox?: RefreshCookieOutbox;
}

export function createContext(opts: CreateContextOptions) {
  const browserSession: BrowserSession = {
    mode: parseSessionMode(opts.sessionMode),
    refreshCookie: opts.refreshCookie,
    isOriginAllowed: opts.isOriginAllowed ?? true,
    outbox: opts.outbox ?? new RefreshCookieOutbox(),
  };
  return {
    em: opts.em,
    services: opts.services,
    authorization: opts.authorization,
    /** Cookie mode (API.md, "Browser sessions"): what the request said, and the cookie to answer with. */
    browserSession,
    /** Who asked: passed to services for throttling and security events. */
    request: { requestId: opts.requestId, clientAddress: opts.clientAddress },
    /** What a new session keeps of the client (not in `request`: security events carry no user agent). */
    client: { userAgent: opts.userAgent },
  };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
