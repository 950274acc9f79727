import { TRPCError } from '@trpc/server';
import type { ProcedureMeta } from './contract.js';
import { InputValidationError } from './error-mapping.js';
import { AppError } from './errors.js';
import { MAX_REFRESH_TOKEN_LENGTH } from './fields.js';

/**
 * Cookie mode (API.md, "Browser sessions (cookie mode)"): for browser
 * apps, the refresh token lives in an HttpOnly cookie instead of response
 * bodies. This module holds every rule of it; the transport only reads the
 * request into a `CookieModePort` and writes what the port is told.
 * Procedures return token pairs and say in their meta what they do with the
 * cookie (`cookieMode`); `applyCookieMode` does it. A bearer call (no
 * header, no cookie) has no port and never enters this module.
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

/** Set the refresh-token cookie (`expiresAt`: ms since the epoch), or clear it (null). */
export type RefreshCookieChange = { refreshToken: string; expiresAt: number } | null;

/** What the transport reads of a request for cookie mode, and where it writes the cookie. */
export interface CookieModePort {
  /** `X-Session-Mode` as sent, if it was. */
  readonly modeHeader: string | undefined;
  /** The refresh-token cookie the request carried, if any. */
  readonly refreshCookie: string | undefined;
  /** False when the request's `Origin` is neither the server's own nor one of CORS_ORIGINS. */
  readonly isOriginAllowed: boolean;
  /** The response sets or clears the cookie; the last call of a request (a tRPC batch shares one) wins. */
  write(change: RefreshCookieChange): void;
}

/** `X-Session-Mode` as read: absent means bearer; a value other than the two is refused with a 400. */
export type SessionMode = 'bearer' | 'cookie' | 'invalid';

export function sessionModeOf(port: CookieModePort | undefined): SessionMode {
  const header = port?.modeHeader;
  if (header === undefined) return 'bearer';
  const value = header.trim().toLowerCase();
  return value === 'cookie' || value === 'bearer' ? value : 'invalid';
}

/**
 * Why a request is refused before any procedure runs, if it is: what no
 * honest browser client sends, an unknown `X-Session-Mode`, or a cookie
 * session from an origin the server does not serve (a forged cross-site
 * request; a browser would have been stopped by CORS first).
 */
export function cookieModeRefusal(port: CookieModePort | undefined): AppError | undefined {
  const mode = sessionModeOf(port);
  if (mode === 'invalid') {
    return new AppError('INVALID_INPUT', `${SESSION_MODE_HEADER}: must be "cookie" or "bearer"`, {
      field: SESSION_MODE_HEADER,
    });
  }
  if (mode === 'cookie' && port && !port.isOriginAllowed) {
    return new AppError('FORBIDDEN', 'Cookie sessions are refused from this origin (not the server’s, not allowed)');
  }
  return undefined;
}

/**
 * The refresh token `auth.refresh` uses when the body has none: the cookie,
 * in cookie mode only. Without the header a cookie is never read (a form
 * on another site cannot send the header), so it is refused, not ignored.
 */
export function refreshTokenFromCookie(port: CookieModePort | undefined): string {
  if (sessionModeOf(port) === 'cookie') {
    // Bounded like the body's refreshToken: a longer cookie was never ours.
    if (port?.refreshCookie && port.refreshCookie.length > MAX_REFRESH_TOKEN_LENGTH) {
      throw new AppError('INVALID_TOKEN', 'Invalid refresh token');
    }
    if (port?.refreshCookie) return port.refreshCookie;
    throw new AppError('INVALID_TOKEN', 'No session cookie: sign in (the refresh token cookie is missing)');
  }
  if (port?.refreshCookie) {
    throw new AppError('FORBIDDEN', `The session cookie is read only with the header ${SESSION_MODE_HEADER}: cookie`);
  }
  // Bearer mode, as before cookie mode existed: the field is required.
  const missing = new InputValidationError({ refreshToken: ['is required'] });
  throw new TRPCError({ code: 'BAD_REQUEST', message: missing.message, cause: missing });
}

/** The errors after which the refresh cookie is dead for good: the browser need not send it again. */
const DEAD_COOKIE_CODES = new Set(['INVALID_TOKEN', 'SESSION_REVOKED']);

function isTokenPair(value: unknown): value is { refreshToken: string; refreshExpiresAt: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { refreshToken?: unknown }).refreshToken === 'string' &&
    typeof (value as { refreshExpiresAt?: unknown }).refreshExpiresAt === 'number'
  );
}

type CallResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/**
 * What cookie mode does with a procedure's result, as its meta says: a
 * token pair answered by a procedure that `sets` (or `reads`) the cookie goes
 * into the cookie, and the body keeps the rest; `clears` ends the cookie with
 * the session; a refresh refused for its token clears the dead cookie.
 */
export function applyCookieMode<R extends CallResult>(
  cookieMode: ProcedureMeta['cookieMode'],
  port: CookieModePort,
  result: R,
): R {
  if (!cookieMode || sessionModeOf(port) !== 'cookie') return result;
  if (!result.ok) {
    const cause = result.error.cause;
    if (cookieMode === 'reads' && cause instanceof AppError && DEAD_COOKIE_CODES.has(cause.code)) port.write(null);
    return result;
  }
  if (cookieMode === 'clears') {
    port.write(null);
    return result;
  }
  // `sets` and `reads`: an answer that is no token pair (a second factor to ask for) leaves the cookie alone.
  if (!isTokenPair(result.data)) return result;
  const { refreshToken, ...body } = result.data;
  port.write({ refreshToken, expiresAt: result.data.refreshExpiresAt });
  return { ...result, data: body };
}
