import type { EntityManager } from '@mikro-orm/core';
import type { AccountEmailService } from './services/account-email.js';
import type { AuthService } from './services/auth.js';

/** Built once per process by the composition root. */
export interface ApiServices {
  auth: AuthService;
  /** The account's address: verification and password reset by email. */
  email: AccountEmailService;
}

/** Everything a request brings, already stripped of its transport. */
export interface CreateContextOptions {
  /** The ORM's root EntityManager: every call works on its own fork of it. */
  em: EntityManager;
  services: ApiServices;
  /** The raw `Authorization` header, if any. */
  authorization?: string | undefined;
  clientAddress?: string | undefined;
  requestId?: string | undefined;
}

export function createContext(opts: CreateContextOptions) {
  return {
    em: opts.em,
    services: opts.services,
    authorization: opts.authorization,
    /** Who asked: passed to services for throttling and security events. */
    request: { requestId: opts.requestId, clientAddress: opts.clientAddress },
  };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
