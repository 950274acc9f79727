import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MikroORM } from '@mikro-orm/core';
import { type ApiServices, appRouter, createContext, createOpenApiDocument, errorResponseHeaders } from '@repo/api';
import { pingDatabase } from '@repo/db';
import type { TRPCError } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { createDocsRouter } from './docs.js';

export const BODY_LIMIT_BYTES = 100 * 1024;
/** Default of the calls allowed in one tRPC batch request (TRPC_MAX_BATCH_SIZE). */
export const MAX_BATCH_SIZE = 10;
/** Request headers beyond this get 431 from Node itself. */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface AppDeps {
  orm: MikroORM;
  services: ApiServices;
  logger: Logger;
  corsOrigins: string[];
  trustProxy?: boolean;
  /** Calls allowed in one tRPC batch: one request cannot order unbounded work. */
  maxBatchSize?: number;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function errorBody(message: string, code: string) {
  return { message, code };
}

/**
 * The Express app: transport concerns only (headers, CORS, limits, logging,
 * mounting). It never listens; `main.ts` does, and tests use ephemeral ports.
 */
export function createApp(deps: AppDeps): Express {
  const { orm, services, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = requestIdOf(req);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      customSuccessMessage: (req, res, responseTime) => `${req.method} ${req.url} ${res.statusCode} ${responseTime}ms`,
      // Method, path and status only: bodies and headers never reach the log.
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(helmet());
  app.use(
    cors({
      // Exact origins only: a foreign origin gets no CORS headers at all.
      origin: deps.corsOrigins,
      credentials: false,
      maxAge: 600,
      exposedHeaders: ['Retry-After', 'X-Request-Id'],
    }),
  );

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

  const contextOf = (req: Request) =>
    createContext({
      em: orm.em,
      services,
      authorization: req.headers.authorization,
      clientAddress: req.ip,
      requestId: String(req.id),
    });
  const responseMeta = ({ errors }: { errors: readonly TRPCError[] }) => ({ headers: errorResponseHeaders(errors) });
  const onError = ({ error, path, req }: { error: TRPCError; path?: string | undefined; req: IncomingMessage }) => {
    const level = error.code === 'INTERNAL_SERVER_ERROR' ? 'error' : 'debug';
    logger[level](
      { err: error.cause ?? error, path, code: error.code, reqId: (req as Request).id },
      'procedure failed',
    );
  };

  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: ({ req }) => contextOf(req),
      maxBodySize: BODY_LIMIT_BYTES,
      maxBatchSize: deps.maxBatchSize ?? MAX_BATCH_SIZE,
      responseMeta: ({ errors }) => responseMeta({ errors }),
      onError,
    }),
  );

  const openApiDocument = createOpenApiDocument('/api');
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  // Swagger UI, with its own Content-Security-Policy (helmet's defaults stay everywhere else).
  app.use('/api/docs', createDocsRouter({ specUrl: '/api/openapi.json' }));
  app.use(
    '/api',
    acceptBodilessPosts,
    express.json({ limit: BODY_LIMIT_BYTES }),
    createOpenApiExpressMiddleware({
      router: appRouter,
      createContext: ({ req }) => contextOf(req as Request),
      responseMeta: ({ errors }) => responseMeta({ errors }),
      onError: ({ error, path, req }) => onError({ error, path, req }),
    }) as RequestHandler,
  );

  app.use((_req, res) => {
    res.status(404).json(errorBody('Not found', 'NOT_FOUND'));
  });
  app.use(((error, req, res, _next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (error?.type === 'entity.too.large') {
      res.status(413).json(errorBody(`Request body is larger than ${BODY_LIMIT_BYTES / 1024} kB`, 'PAYLOAD_TOO_LARGE'));
    } else if (error?.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('Malformed JSON in the request body', 'PARSE_ERROR'));
    } else if (status >= 400 && status < 500) {
      res.status(status).json(errorBody(error.expose ? String(error.message) : 'Bad request', 'BAD_REQUEST'));
    } else {
      req.log.error({ err: error }, 'unhandled error');
      res.status(500).json(errorBody('Internal server error', 'INTERNAL_SERVER_ERROR'));
    }
  }) as ErrorRequestHandler);

  return app;
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
