import { REFRESH_COOKIE_NAME, RefreshCookieOutbox } from '@repo/api';
import type { Request } from 'express';

/**
 * The transport half of cookie mode (API.md, "Browser sessions"): reading
 * the header, the cookie and the origin of a request for the context, and
 * writing the cookie the procedures asked for as `Set-Cookie`.
 */
export interface SessionCookieOptions {
  /** CORS_ORIGINS: the origins besides the server's own that may use cookie mode. */
  allowedOrigins: readonly string[];
  /** Always Secure in production. */
  isProduction: boolean;
}

/** Hosts a browser treats as a secure context even over plain http. */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]' ||
    hostname === '::1'
  );
}

/** The value of cookie `name` in a `Cookie` header (the first, if the browser sent several). */
function cookieValueOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) {
      return pair.slice(separator + 1).trim() || undefined;
    }
  }
  return undefined;
}

/** The cookie change of one request, written with the attributes fixed by API.md. */
export class SessionCookieOutbox extends RefreshCookieOutbox {
  constructor(
    readonly cookieName: string,
    readonly isSecure: boolean,
  ) {
    super();
  }

  /** The `Set-Cookie` value for what the procedures asked, if anything. */
  setCookieHeader(now: number = Date.now()): string | undefined {
    const change = this.change;
    if (!change) return undefined;
    const [value, maxAgeSeconds] =
      'refreshToken' in change
        ? [change.refreshToken, Math.max(0, Math.floor((change.expiresAt - now) / 1000))]
        : ['', 0];
    // Path=/: the one path covering both /trpc and /api/auth (and what the __Host- prefix requires).
    return `${this.cookieName}=${value}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Strict${this.isSecure ? '; Secure' : ''}`;
  }
}

/** What the context needs of a request for cookie mode. */
export function browserSessionOf(req: Request, options: SessionCookieOptions) {
  const mode = req.headers['x-session-mode'];
  // Bearer calls, the hot path, carry neither: nothing to read, and no cookie is ever set.
  if (mode === undefined && req.headers.cookie === undefined) return {};
  // Secure always in production; in development too, except over plain http to a host that is not loopback.
  const isSecure = options.isProduction || req.protocol === 'https' || isLoopbackHost(req.hostname);
  const cookieName = isSecure ? REFRESH_COOKIE_NAME.secure : REFRESH_COOKIE_NAME.plain;
  const origin = req.headers.origin;
  return {
    sessionMode: Array.isArray(mode) ? mode.join(',') : mode,
    refreshCookie: cookieValueOf(req.headers.cookie, cookieName),
    isOriginAllowed:
      origin === undefined || origin === `${req.protocol}://${req.host}` || options.allowedOrigins.includes(origin),
    outbox: new SessionCookieOutbox(cookieName, isSecure),
  };
}
