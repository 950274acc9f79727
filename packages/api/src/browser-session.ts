import { TRPCError } from '@trpc/server';
import { InputValidationError } from './error-mapping.js';
import { AppError } from './errors.js';
import { MAX_REFRESH_TOKEN_LENGTH, type TokenPair, type TokenPairResponse } from './schemas.js';

/**
 * Browser sessions (cookie mode, API.md): the refresh token lives in an
 * HttpOnly cookie instead of response bodies. This module holds the rules;
 * the server reads the request's header, cookie and origin into the context
 * and turns `RefreshCookieOutbox` into a `Set-Cookie` header.
 */

/** The request header that opts into cookie mode. */
export const SESSION_MODE_HEADER = 'X-Session-Mode';

/**
 * The refresh-token cookie's name: `__Host-` (the browser then insists on
 * Secure, Path=/ and no Domain, so a sibling subdomain cannot plant one)
 * wherever the cookie is Secure; the plain name only over plain http in
 * development.
 */
export const REFRESH_COOKIE_NAME = { secure: '__Host-refresh_token', plain: 'refresh_token' } as const;

/** `X-Session-Mode` as read: absent means bearer; a value other than the two is refused with a 400. */
export type SessionMode = 'bearer' | 'cookie' | 'invalid';

export function parseSessionMode(header: string | undefined): SessionMode {
  if (header === undefined) return 'bearer';
  const value = header.trim().toLowerCase();
  return value === 'cookie' || value === 'bearer' ? value : 'invalid';
}

/** What a response should do with the refresh-token cookie: set it, clear it, or (undefined) nothing. */
export type RefreshCookieChange = { refreshToken: string; expiresAt: number } | { isCleared: true };

/**
 * Collects the cookie change of one request's procedures (a tRPC batch
 * shares it; the last change wins). The server writes it when it answers.
 */
export class RefreshCookieOutbox {
  #change: RefreshCookieChange | undefined;

  /** `expiresAt`: ms since the epoch; the cookie's Max-Age is what remains of it. */
  set(refreshToken: string, expiresAt: number): void {
    this.#change = { refreshToken, expiresAt };
  }

  clear(): void {
    this.#change = { isCleared: true };
  }

  get change(): RefreshCookieChange | undefined {
    return this.#change;
  }
}

export interface BrowserSession {
  mode: SessionMode;
  /** The refresh-token cookie the request carried, if any. */
  refreshCookie: string | undefined;
  /** False when the request's `Origin` is neither the server's own nor one of CORS_ORIGINS. */
  isOriginAllowed: boolean;
  outbox: RefreshCookieOutbox;
}

/**
 * Why a request is refused before any procedure runs, if it is: what no
 * honest browser client sends, an unknown `X-Session-Mode`, or cookie mode
 * from an origin the server does not serve (a forged cross-site request; a
 * browser would have been stopped by CORS first).
 */
export function sessionModeRefusal(session: BrowserSession): AppError | undefined {
  if (session.mode === 'invalid') {
    return new AppError('INVALID_INPUT', `${SESSION_MODE_HEADER}: must be "cookie" or "bearer"`, {
      field: SESSION_MODE_HEADER,
    });
  }
  if (session.mode === 'cookie' && !session.isOriginAllowed) {
    return new AppError('FORBIDDEN', 'Cookie sessions are refused from this origin (not the server’s, not allowed)');
  }
  return undefined;
}

/**
 * The pair as the response carries it: in cookie mode the refresh token
 * goes to the cookie and the field is left out of the body.
 */
export function deliverTokenPair(session: BrowserSession, pair: TokenPair): TokenPairResponse {
  if (session.mode !== 'cookie') return pair;
  const { refreshToken, ...body } = pair;
  session.outbox.set(refreshToken, pair.refreshExpiresAt);
  return body;
}

/**
 * The refresh token `auth.refresh` uses when the input has none: the cookie,
 * in cookie mode only. Without the header a cookie is never read (a form on
 * another site cannot send the header), so it is refused, not ignored.
 */
export function refreshTokenFromCookie(session: BrowserSession): string {
  if (session.mode === 'cookie') {
    // Bounded like the body's refreshToken: a longer cookie was never ours.
    if (session.refreshCookie && session.refreshCookie.length > MAX_REFRESH_TOKEN_LENGTH) {
      throw new AppError('INVALID_TOKEN', 'Invalid refresh token');
    }
    if (session.refreshCookie) return session.refreshCookie;
    throw new AppError('INVALID_TOKEN', 'No session cookie: sign in (the refresh token cookie is missing)');
  }
  if (session.refreshCookie) {
    throw new AppError('FORBIDDEN', `The session cookie is read only with the header ${SESSION_MODE_HEADER}: cookie`);
  }
  // Bearer mode, as before cookie mode existed: the field is required.
  const missing = new InputValidationError({ refreshToken: ['is required'] });
  throw new TRPCError({ code: 'BAD_REQUEST', message: missing.message, cause: missing });
}
