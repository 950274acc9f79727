import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import {
  type ApiServices,
  appRouter,
  createAppRouter,
  createContext,
  createOpenApiDocument,
  errorResponseHeaders,
  procedureContracts,
  SESSION_MODE_HEADER,
} from '@repo/api';
import { pingDatabase } from '@repo/db';
import type { TRPCError } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import cors from 'cors';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import type { TrustProxy } from './config.js';
import { type CookieModeOptions, cookieModeOf } from './cookie-mode.js';
import { createDocsRouter } from './docs.js';
import { createFastTrpcHandler } from './fast-transport/index.js';
import { pathForLog } from './logger.js';
import type { Metrics } from './metrics.js';
import { createOidcRouter, publicOriginOf } from './oidc-routes.js';
import { requestLog } from './request-log.js';
import { routeLabeler } from './route-labels.js';
import { httpTracing } from './tracing.js';

/** What GET /api and GET /trpc answer: the way to everything else. */
export const API_INDEX = {
  message: 'REST routes are under /api/…, tRPC procedures at /trpc/<router>.<procedure>; the docs list every one',
  links: {
    docs: '/api/docs',
    openapi: '/api/openapi.json',
    rest: '/api',
    trpc: '/trpc',
    health: '/healthz',
    ready: '/readyz',
  },
} as const;

export const BODY_LIMIT_BYTES = 100 * 1024;
/** Default of the calls allowed in one tRPC batch request (TRPC_MAX_BATCH_SIZE). */
export const MAX_BATCH_SIZE = 10;
/**
 * The response header of every /trpc response that tells clients the batch
 * cap, so that they split their batches to fit (`@repo/client` does).
 */
export const MAX_BATCH_SIZE_HEADER = 'X-Trpc-Max-Batch-Size';
/** Request headers beyond this get 431 from Node itself. */
export const MAX_HEADER_BYTES = 16 * 1024;
/**
 * Nesting allowed in a JSON body on /api. Every input is a flat object; deeper
 * bodies would only make the REST bridge, which serialises the parsed body
 * again with the recursive JSON.stringify, overflow the stack (a 500).
 */
export const MAX_JSON_DEPTH = 32;

export interface AppDeps {
  orm: MikroORM;
  services: ApiServices;
  logger: Logger;
  corsOrigins: string[];
  /** Which proxies may name the client in X-Forwarded-For (`req.ip`, so the throttle's address); none by default. */
  trustProxy?: TrustProxy;
  /** Makes the cookie of browser sessions Secure whatever the request (NODE_ENV=production). */
  isProduction?: boolean;
  /** Calls allowed in one tRPC batch: one request cannot order unbounded work. */
  maxBatchSize?: number;
  /** `stock`: tRPC's own Express adapter instead of our fast transport (for `pnpm bench` only). */
  transport?: 'fast' | 'stock';
  /** Request durations by route, when METRICS_PORT is set (metrics.ts). */
  metrics?: Metrics;
  /** A server span per request, when OTEL_EXPORTER_OTLP_ENDPOINT is set (tracing.ts). */
  isTracing?: boolean;
  /** API_URL: the public origin of the URLs the API hands out (redirect URIs); unset: each request's own. */
  apiUrl?: string | undefined;
}

function errorBody(message: string, code: string) {
  return { message, code };
}

/** The tRPC code of a 4xx status raised by Express or body-parser, so REST codes match tRPC's. */
const CODE_OF_STATUS: Partial<Record<number, TRPC_ERROR_CODE_KEY>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
};

/** Whether a parsed JSON value nests deeper than `max` (iterative: deep input cannot overflow it). */
export function isNestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

const refuseDeepJson: RequestHandler = (req, res, next) => {
  if (isNestedDeeperThan(req.body, MAX_JSON_DEPTH)) {
    res
      .status(400)
      .json(errorBody(`JSON in the request body is nested more than ${MAX_JSON_DEPTH} levels deep`, 'BAD_REQUEST'));
    return;
  }
  next();
};

/**
 * What the tRPC handler and the REST bridge are both given besides the router
 * and the logging: each request's context (with its cookie-mode port, which
 * writes the refresh-token cookie into the response itself), and the
 * headers of the response. (The differential tests serve the router with
 * these too.)
 */
export function requestOptions(
  em: EntityManager,
  services: ApiServices,
  cookieModeOptions: CookieModeOptions = { allowedOrigins: [], isProduction: false },
  apiUrl?: string,
) {
  return {
    createContext: ({ req, res }: { req: IncomingMessage; res: ServerResponse }) =>
      createContext({
        em,
        services,
        authorization: req.headers.authorization,
        clientAddress: (req as Request).ip,
        userAgent: req.headers['user-agent'],
        publicOrigin: publicOriginOf(req as Request, apiUrl),
        requestId: req.id,
        cookies: cookieModeOf(req as Request, res as Response, cookieModeOptions),
      }),
    responseMeta: ({ errors }: { errors: readonly TRPCError[] }) => {
      return {
        headers: {
          // An array, which tRPC appends to its own Vary (trpc-accept, accept) where a string
          // would replace it; its Vary replaces the one set in front of it (see VARY_ORIGIN).
          vary: [VARY_ORIGIN],
          // tRPC leaves it out on errors raised before any procedure runs (415, a batch
          // over the cap, mixed queries and mutations…): the body is JSON all the same.
          ...(errors.length ? { 'content-type': 'application/json' } : {}),
          ...errorResponseHeaders(errors),
        },
      };
    },
  };
}

/**
 * Every response's Vary: what CORS adds to a response depends on the request's
 * Origin (and on whether it has one), so a cache must not hand one origin's
 * answer to another. Set in front of every route, and given to tRPC and the
 * REST bridge in `responseMeta`, since they write a Vary of their own over it.
 */
const VARY_ORIGIN = 'Origin';

/**
 * Paths whose answers no cache may keep: tokens, a user's data, and errors
 * that depend on who asks. The OpenAPI document and the docs page are the
 * same for everyone, and cacheable. (Express routes without regard to case.)
 */
const UNCACHEABLE_PATH = /^\/(trpc|api)(\/|$)/i;
const CACHEABLE_API_PATH = /^\/api\/(openapi\.json|docs)(\/|$)/i;

/** Headers a browser on an allowed origin may send (cookie mode's among them). */
const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', SESSION_MODE_HEADER, 'X-Request-Id', 'trpc-accept'];

/**
 * The Express app: transport concerns only (headers, CORS, limits, logging,
 * mounting). It never listens; `main.ts` does, and tests use ephemeral ports,
 * both through `requestListener`.
 */
export function createApp(deps: AppDeps): Express {
  const { orm, services, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);

  const routeOf = deps.metrics || deps.isTracing ? routeLabeler(procedureContracts(appRouter)) : undefined;
  // First, so everything the request runs (procedures, queries, bcrypt, log lines) is in its span.
  if (deps.isTracing && routeOf) app.use(httpTracing(routeOf));
  // The metrics' request histogram rides on the access log's listener: no layer of its own.
  app.use(requestLog(logger, deps.metrics && routeOf ? deps.metrics.responseObserver(routeOf) : undefined));
  app.use(helmet());
  const corsOrigins = new Set(deps.corsOrigins);
  const corsOfAllowedOrigins = cors((req, callback) => {
    // Exact origins only, decided per request: a foreign origin gets no CORS
    // headers at all (with a fixed list, cors would still send it Allow-Credentials).
    const isAllowed = corsOrigins.has(req.headers.origin ?? '');
    callback(
      null,
      isAllowed
        ? {
            origin: true,
            // Cookie mode from another allowed origin: the refresh-token cookie goes along.
            credentials: true,
            allowedHeaders: CORS_ALLOWED_HEADERS,
            maxAge: 600,
            exposedHeaders: ['Retry-After', 'X-Request-Id', MAX_BATCH_SIZE_HEADER],
          }
        : { origin: false },
    );
  });
  // One layer for the headers every request needs (each layer Express walks costs every call).
  app.use((req, res, next) => {
    res.setHeader('Vary', VARY_ORIGIN);
    if (UNCACHEABLE_PATH.test(req.path) && !CACHEABLE_API_PATH.test(req.path))
      res.setHeader('Cache-Control', 'no-store');
    // A request without an Origin header gets no CORS headers either way: it skips the middleware.
    if (req.headers.origin === undefined) next();
    else corsOfAllowedOrigins(req, res, next);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (await pingDatabase(orm)) {
      res.json({ status: 'ready' });
    } else {
      res.status(503).json(errorBody('The database is unreachable', 'SERVICE_UNAVAILABLE'));
    }
  });

  // The bare /api and /trpc (the URLs `pnpm dev` prints) answer where things are, not a 404.
  app.get(['/api', '/trpc'], (_req, res) => {
    res.json(API_INDEX);
  });

  const cookieModeOptions = { allowedOrigins: deps.corsOrigins, isProduction: deps.isProduction ?? false };
  const { createContext: contextOf, responseMeta } = requestOptions(orm.em, services, cookieModeOptions, deps.apiUrl);
  const onError = ({ error, path, req }: { error: TRPCError; path?: string | undefined; req: IncomingMessage }) => {
    const isServerFault = error.code === 'INTERNAL_SERVER_ERROR';
    logger[isServerFault ? 'error' : 'debug'](
      {
        err: isServerFault ? (error.cause ?? error) : clientFaultForLog(error),
        // The client's text when no procedure has it (`/trpc/<anything>`).
        path: path && pathForLog(path),
        code: error.code,
        reqId: (req as Request).id,
      },
      'procedure failed',
    );
  };

  const maxBatchSize = deps.maxBatchSize ?? MAX_BATCH_SIZE;
  const trpcOptions = {
    router: appRouter,
    createContext: contextOf,
    maxBodySize: BODY_LIMIT_BYTES,
    maxBatchSize,
    responseMeta,
    onError,
  };
  // Our fast transport, or tRPC's own adapter (the stock one is what `pnpm bench` measures it against).
  const trpc = deps.transport === 'stock' ? createExpressMiddleware(trpcOptions) : createFastTrpcHandler(trpcOptions);
  // One handler rather than three: each layer Express walks costs every call.
  app.use('/trpc', (req, res, next) => {
    // tRPC writes the errors it meets before routing (an unparsable Host header, say)
    // without a content type; its other responses set their own.
    res.setHeader('Content-Type', 'application/json');
    res.setHeader(MAX_BATCH_SIZE_HEADER, String(maxBatchSize));
    if (UNFETCHABLE_METHODS.has(req.method)) {
      refuseUnfetchableMethod(req.method, res);
      return;
    }
    trpc(req, res, next);
  });

  // Made at the first request for it, then kept as text: most servers are never asked.
  let openApiJson: string | undefined;
  app.get('/api/openapi.json', (_req, res) => {
    openApiJson ??= JSON.stringify(createOpenApiDocument('/api'));
    res.type('application/json').send(openApiJson);
  });
  // Sign-in with identity providers: two browser navigations, in front of the REST bridge.
  app.use(createOidcRouter({ em: orm.em, services, logger, cookieMode: cookieModeOptions, apiUrl: deps.apiUrl }));
  // Swagger UI, with its own Content-Security-Policy (helmet's defaults stay everywhere else).
  app.use('/api/docs', createDocsRouter({ specUrl: '/api/openapi.json' }));
  app.use(
    '/api',
    acceptBodilessPosts,
    express.json({ limit: BODY_LIMIT_BYTES }),
    refuseDeepJson,
    // A router of its own: the middleware makes the number fields of its input schemas coercing, in place.
    createOpenApiExpressMiddleware({
      router: createAppRouter(),
      createContext: contextOf,
      responseMeta,
      onError: ({ error, path, req }) => onError({ error, path, req }),
    }) as RequestHandler,
  );

  app.use((_req, res) => {
    res.status(404).json(errorBody('Not found', 'NOT_FOUND'));
  });
  app.use(((error, req, res, next) => {
    if (res.headersSent) {
      // Too late for an error body: the final handler of requestListener ends the connection.
      next(error);
      return;
    }
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (error?.type === 'entity.too.large') {
      res.status(413).json(errorBody(`Request body is larger than ${BODY_LIMIT_BYTES / 1024} kB`, 'PAYLOAD_TOO_LARGE'));
    } else if (error?.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('Malformed JSON in the request body', 'PARSE_ERROR'));
    } else if (status >= 400 && status < 500) {
      res
        .status(status)
        .json(errorBody(error.expose ? String(error.message) : 'Bad request', CODE_OF_STATUS[status] ?? 'BAD_REQUEST'));
    } else {
      logger.error({ err: error, reqId: req.id }, 'unhandled error');
      res.status(500).json(errorBody('Internal server error', 'INTERNAL_SERVER_ERROR'));
    }
  }) as ErrorRequestHandler);

  return app;
}

/**
 * The cause of a call refused for the client's fault, as its log line shows
 * it. JSON.parse quotes the text it could not parse (`Unexpected token 'p',
 * ..."password":hunter2"... is not valid JSON`), so of a client's malformed
 * input only the kind of error is kept.
 */
function clientFaultForLog(error: TRPCError): unknown {
  const cause = error.cause ?? error;
  return cause instanceof SyntaxError ? { type: 'SyntaxError', message: 'the input is not valid JSON' } : cause;
}

/**
 * The app as Node's HTTP server is to call it (`createServer(requestListener(app, logger))`,
 * not `app.listen`): Express apps are callable `(req, res, next)`, and `next` is
 * where Express hands what no middleware answered. That is a request whose URL
 * its router cannot parse (an absolute-form target such as
 * `GET http://[x/api HTTP/1.1`), which it gives up on before any middleware
 * runs and would answer with finalhandler's HTML page: here it gets the JSON
 * error body every other error gets. (Also reached by an error raised after the
 * response has started: then only the connection can be ended.)
 */
export function requestListener(app: Express, logger: Logger): RequestListener {
  return (req, res) => app(req as Request, res as Response, (error) => answerUnrouted(req, res, error, logger));
}

function answerUnrouted(req: IncomingMessage, res: ServerResponse, error: unknown, logger: Logger): void {
  if (res.headersSent) {
    if (error !== undefined)
      logger.error({ err: error, url: pathForLog(req.url ?? '') }, 'error after the response had started');
    res.destroy();
    return;
  }
  const [status, body] =
    error === undefined
      ? [400, errorBody('Malformed request URL', 'BAD_REQUEST')]
      : [500, errorBody('Internal server error', 'INTERNAL_SERVER_ERROR')];
  if (error !== undefined) logger.error({ err: error, url: pathForLog(req.url ?? '') }, 'unhandled error');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

/** Methods the Fetch API cannot build a Request with: tRPC's adapter would fail on them with a 500. */
const UNFETCHABLE_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Answers them (over /trpc) with tRPC's own 405, in its error envelope. */
function refuseUnfetchableMethod(method: string, res: Response): void {
  res
    .status(405)
    .set('Allow', 'GET, POST')
    .json({
      error: {
        message: `Unsupported ${method} request`,
        code: TRPC_ERROR_CODES_BY_KEY.METHOD_NOT_SUPPORTED,
        data: { code: 'METHOD_NOT_SUPPORTED', httpStatus: 405 },
      },
    });
}

/**
 * POST /api/auth/logout and /logout-all take no body. The REST bridge insists
 * on a JSON content type for every POST; a bodiless request without one is
 * treated as an empty JSON request rather than refused with 415.
 */
const acceptBodilessPosts: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (req.method === 'POST' && !hasBody && !req.headers['content-type']) {
    req.headers['content-type'] = 'application/json';
  }
  next();
};
