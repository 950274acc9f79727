import type { EntityManager } from '@mikro-orm/core';
import { type ApiServices, errorResponseHeaders, OIDC_NAVIGATION_ROUTES, toTRPCError } from '@repo/api';
import { getTRPCErrorFromUnknown, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { parse as parseCookies } from 'cookie';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { type CookieModeOptions, cookieModeOf, isSecureCookieRequest } from './cookie-mode.js';

/**
 * The two browser navigations of a sign-in with an identity provider
 * (OpenID Connect): `start` sends the browser to the provider with a fresh
 * flow, whose secret it keeps in a cookie; `callback` is where the provider
 * sends it back. Not tRPC procedures: they answer redirects, not JSON (except
 * errors). The rules live in @repo/api's OidcService; this module only moves
 * the flow's secret between the cookie and the service.
 */

/** The flow cookie: `__Host-` wherever it is Secure (no sibling subdomain can plant one), else the plain name. */
export const OIDC_FLOW_COOKIE_NAME = { secure: '__Host-oidc_flow', plain: 'oidc_flow' } as const;

/** The document's routes (`/auth/oidc/{provider}/start`) as Express paths below /api. */
const expressPathOf = (route: string) => `/api${route.replace(/\{(\w+)\}/g, ':$1')}`;
export const OIDC_START_PATH = expressPathOf(OIDC_NAVIGATION_ROUTES.start.path);
export const OIDC_CALLBACK_PATH = expressPathOf(OIDC_NAVIGATION_ROUTES.callback.path);

export interface OidcRoutesOptions {
  em: EntityManager;
  services: ApiServices;
  logger: Logger;
  cookieMode: CookieModeOptions;
  /** API_URL: the public origin of redirect URIs; undefined: the request's own origin. */
  apiUrl?: string | undefined;
}

/** The API's public origin: API_URL, else the request's own (scheme and host as `trust proxy` lets Express see them). */
export function publicOriginOf(req: Request, apiUrl: string | undefined): string {
  return apiUrl ?? `${req.protocol}://${req.host}`;
}

function providerOf(req: Request): string {
  return String(req.params.provider ?? '').toLowerCase();
}

/** The longest query value the two routes read (a provider's code or state is far shorter); the document says so. */
export const MAX_OIDC_QUERY_VALUE_LENGTH = 2048;

/** A 400 naming the first query value past the bound, before anything reads it. */
function refuseLongQuery(req: Request): void {
  for (const [name, value] of Object.entries(req.query)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((item) => typeof item === 'string' && item.length > MAX_OIDC_QUERY_VALUE_LENGTH)) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `${name}: is too long` });
    }
  }
}

export function createOidcRouter(options: OidcRoutesOptions): Router {
  const { services, logger } = options;
  const router = Router();

  const flowCookie = (req: Request) => {
    const isSecure = isSecureCookieRequest(req, options.cookieMode);
    return {
      name: isSecure ? OIDC_FLOW_COOKIE_NAME.secure : OIDC_FLOW_COOKIE_NAME.plain,
      // Lax, not Strict: the provider's redirect back is a cross-site navigation, which must carry it.
      attributes: { httpOnly: true, sameSite: 'lax', secure: isSecure, path: '/' } as const,
    };
  };

  const answerError = (req: Request, res: Response, error: unknown) => {
    const mapped = toTRPCError(getTRPCErrorFromUnknown(error));
    const status = getHTTPStatusCodeFromError(mapped);
    const isInternal = status >= 500 && mapped.code === 'INTERNAL_SERVER_ERROR';
    logger[isInternal ? 'error' : 'debug'](
      { err: isInternal ? (mapped.cause ?? mapped) : mapped.message, reqId: req.id, code: mapped.code },
      'identity-provider route failed',
    );
    res
      .status(status)
      .set(errorResponseHeaders([mapped]))
      .json({ message: isInternal ? 'Internal server error' : mapped.message, code: mapped.code });
  };

  router.get(OIDC_START_PATH, async (req, res) => {
    try {
      refuseLongQuery(req);
      const provider = providerOf(req);
      const link = typeof req.query.link === 'string' ? req.query.link : undefined;
      const em = options.em.fork();
      // A link is started only by the browser signed in to its account: that browser's session cookie says whose.
      const sessionCookie = link === undefined ? undefined : cookieModeOf(req, res, options.cookieMode)?.refreshCookie;
      const sessionUserId = sessionCookie ? await services.auth.userOfRefreshToken(em, sessionCookie) : null;
      const redirectUri = `${publicOriginOf(req, options.apiUrl)}/api/auth/oidc/${encodeURIComponent(provider)}/callback`;
      const started = await services.oidc.start(
        em,
        { provider, redirectUri, linkTicket: link, sessionUserId },
        { requestId: req.id, clientAddress: req.ip },
      );
      const cookie = flowCookie(req);
      res.cookie(cookie.name, started.flowSecret, { ...cookie.attributes, maxAge: started.maxAgeMs });
      // No body: the document says a 302 is a Location and nothing else.
      res.status(302).location(started.url).end();
    } catch (error) {
      answerError(req, res, error);
    }
  });

  router.get(OIDC_CALLBACK_PATH, async (req, res) => {
    const cookie = flowCookie(req);
    // Whatever the outcome, the flow is spent: the browser need not keep its cookie.
    res.cookie(cookie.name, '', { ...cookie.attributes, maxAge: 0 });
    try {
      refuseLongQuery(req);
      const query = new URL(req.originalUrl, 'http://callback.invalid').searchParams;
      const flowSecret = req.headers.cookie ? parseCookies(req.headers.cookie)[cookie.name] || undefined : undefined;
      const location = await services.oidc.callback(
        options.em.fork(),
        { provider: providerOf(req), flowSecret, query },
        { requestId: req.id, clientAddress: req.ip },
      );
      res.status(302).location(location).end();
    } catch (error) {
      answerError(req, res, error);
    }
  });

  return router;
}
