import { type CookieModePort, REFRESH_COOKIE_NAME, type RefreshCookieChange } from '@repo/api';
import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';

/**
 * The transport's half of cookie mode (the rules are in @repo/api's
 * cookie-mode.ts): reading a request's `X-Session-Mode`, cookie and
 * origin into a port, and writing the cookie the port is told to with
 * Express's own `res.cookie`.
 */
export interface CookieModeOptions {
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

/** Whether cookies set in answer to this request are Secure: always in production; in development too, except over plain http to a host that is not loopback. */
export function isSecureCookieRequest(req: Request, options: Pick<CookieModeOptions, 'isProduction'>): boolean {
  return options.isProduction || req.protocol === 'https' || isLoopbackHost(req.hostname);
}

/**
 * The request's cookie-mode port, or undefined for a bearer call (neither the
 * header nor a `Cookie`): the hot path reads nothing and writes nothing.
 */
export function cookieModeOf(req: Request, res: Response, options: CookieModeOptions): CookieModePort | undefined {
  const mode = req.headers['x-session-mode'];
  if (mode === undefined && req.headers.cookie === undefined) return undefined;
  const isSecure = isSecureCookieRequest(req, options);
  const name = isSecure ? REFRESH_COOKIE_NAME.secure : REFRESH_COOKIE_NAME.plain;
  const origin = req.headers.origin;
  return {
    modeHeader: Array.isArray(mode) ? mode.join(',') : mode,
    // The first, if the browser sent several (`cookie` keeps the first of a name).
    refreshCookie: req.headers.cookie ? parseCookies(req.headers.cookie)[name] || undefined : undefined,
    isOriginAllowed:
      origin === undefined || origin === `${req.protocol}://${req.host}` || options.allowedOrigins.includes(origin),
    write(change: RefreshCookieChange) {
      // One Set-Cookie per response: of a batch's changes, the last one wins.
      res.removeHeader('Set-Cookie');
      // Path=/: the one path covering both /trpc and /api/auth (and what the __Host- prefix requires).
      const attributes = { httpOnly: true, sameSite: 'strict', secure: isSecure, path: '/' } as const;
      // Max-Age: what remains of the refresh token's life (0 clears the cookie, as API.md says).
      const maxAge = change ? Math.max(0, change.expiresAt - Date.now()) : 0;
      res.cookie(name, change?.refreshToken ?? '', { ...attributes, maxAge });
    },
  };
}
