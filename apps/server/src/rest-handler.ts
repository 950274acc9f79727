import { type AnyTRPCProcedure, getTRPCErrorShape, type TRPCError } from '@trpc/server';
import type { TRPCRequestInfo } from '@trpc/server/http';
import type { Request as ExpressRequest, Response as ExpressResponse, RequestHandler } from 'express';
import {
  type CreateOpenApiExpressMiddlewareOptions,
  createOpenApiExpressMiddleware,
  createProcedureCache,
  getErrorFromUnknown,
  getInputOutputParsers,
  getQuery,
  instanceofZodTypeKind,
  instanceofZodTypeLikeVoid,
  instanceofZodTypeObject,
  normalizePath,
  type OpenApiProcedure,
  type OpenApiRouter,
  TRPC_ERROR_CODE_HTTP_STATUS,
  unwrapZodType,
  zodSupportsCoerce,
} from 'trpc-to-openapi';
import type { $ZodType } from 'zod/v4/core';
import { abortedWhenClientGoes } from './trpc-handler.js';

export type RestHandlerOptions<TRouter extends OpenApiRouter> = CreateOpenApiExpressMiddlewareOptions<TRouter> & {
  /** What answers every request the fast path leaves alone: trpc-to-openapi's own middleware by default. */
  fallback?: RequestHandler;
};

/**
 * The REST bridge (`/api`): trpc-to-openapi's Express middleware, with the
 * commonest requests, GETs of query procedures (`GET /api/users/me`,
 * `/api/users?limit=20`, `/api/users/{id}`), answered here instead, by the
 * same steps with trpc-to-openapi's own exported pieces (its route table,
 * query reading, schema inspection and error table) and tRPC's error shape.
 *
 * Two steps of the middleware cost more than the call itself and are left
 * out: it builds a whole Fetch `Request` (every header copied into `Headers`)
 * only to take its abort signal, where a plain `AbortController` on the
 * response does; and it goes through `router.createCaller`, a proxy built per
 * request, where the procedure can be called directly, as the caller does
 * (here with the request's signal, which the caller leaves out, as tRPC's own
 * handler passes it). `pnpm bench` measured the two at about a tenth of the
 * server's CPU per REST call.
 *
 * Everything else, mutations, routes with array parameters, unknown paths
 * and other methods, goes to the middleware. The differential test
 * (test/rest-handler.test.ts) holds the fast path to it.
 */
export function createRestHandler<TRouter extends OpenApiRouter>(opts: RestHandlerOptions<TRouter>): RequestHandler {
  const { fallback = createOpenApiExpressMiddleware(opts) as RequestHandler, ...handlerOptions } = opts;
  const routeOf = createProcedureCache(opts.router);
  const plans = new Map<OpenApiProcedure, QueryPlan | null>();
  return (req, res, next) => {
    if (req.method !== 'GET') return fallback(req, res, next);
    let url: URL;
    try {
      // How the middleware reads the path and query (a relative URL below the mount point).
      url = new URL(req.url.startsWith('/') ? `http://127.0.0.1${req.url}` : req.url);
    } catch {
      return fallback(req, res, next);
    }
    const route = routeOf('GET', normalizePath(url.pathname));
    const procedure = route?.procedure;
    if (!route || procedure?.type !== 'query') return fallback(req, res, next);
    let plan = plans.get(procedure.procedure);
    if (plan === undefined) {
      plan = queryPlanOf(procedure.procedure);
      plans.set(procedure.procedure, plan);
    }
    if (plan === null) return fallback(req, res, next);
    answerQuery(handlerOptions, plan, { path: procedure.path, pathInput: route.pathInput, url }, req, res).catch(next);
  };
}

/** What the middleware works out from a procedure's input schema, once. */
interface QueryPlan {
  procedure: AnyTRPCProcedure;
  /** The input is void-like: the procedure gets `undefined`. */
  takesNoInput: boolean;
  /** Fields whose query-string value is converted before validation, with their conversion. */
  coercions: [field: string, coerce: (value: unknown) => unknown][];
}

/**
 * What `z.coerce` does to a value before validating it, by schema type: the
 * conversion the middleware switches on for query values, for the types it
 * counts as coercible (number, boolean, bigint, date).
 */
const COERCIONS: Record<string, (value: unknown) => unknown> = {
  number: Number,
  boolean: Boolean,
  bigint: (value) => {
    try {
      return BigInt(value as string);
    } catch {
      return value;
    }
  },
  date: (value) => new Date(value as string),
};

/**
 * The plan of a query the fast path can answer as the middleware does, or
 * null: an input object with an array field (the middleware wraps a lone query
 * value into an array for those) or an object field is left to it.
 *
 * Query values are strings, so the middleware makes the schema's numbers,
 * booleans, bigints and dates coercing ones, by setting `coerce` on them in
 * place. Those are the procedure's own schemas, which tRPC calls share: after
 * one REST call, `user.list` over tRPC accepted `{ limit: "5" }`, which it
 * refused before. Here the schemas are left alone and the same conversion is
 * applied to the values instead.
 */
function queryPlanOf(procedure: OpenApiProcedure): QueryPlan | null {
  const { inputParser } = getInputOutputParsers(procedure);
  const input = unwrapZodType(inputParser, true);
  const coercions: QueryPlan['coercions'] = [];
  if (instanceofZodTypeObject(input)) {
    for (const [name, field] of Object.entries(input.shape) as [string, $ZodType][]) {
      const optional = instanceofZodTypeKind(field, 'optional');
      const inner = optional ? (field as unknown as { unwrap(): $ZodType }).unwrap() : field;
      if (instanceofZodTypeKind(inner, 'array')) return null;
      const type = unwrapZodType(field, false);
      if (instanceofZodTypeObject(type)) return null;
      const coerce = COERCIONS[type._zod.def.type];
      if (zodSupportsCoerce && coerce) coercions.push([name, coerce]);
    }
  }
  return {
    procedure: procedure as unknown as AnyTRPCProcedure,
    takesNoInput: instanceofZodTypeLikeVoid(input),
    coercions,
  };
}

/** The input as the procedure gets it: coercible fields converted, like `z.coerce` would. */
function coerced(input: Record<string, unknown> | undefined, plan: QueryPlan): unknown {
  if (!input || plan.coercions.length === 0) return input;
  const result = { ...input };
  for (const [name, coerce] of plan.coercions) {
    if (name in result) result[name] = coerce(result[name]);
  }
  return result;
}

interface Route {
  /** The procedure's path in the router: `user.me`. */
  path: string;
  /** Parameters taken from the URL path (`{id}`). */
  pathInput: Record<string, string>;
  url: URL;
}

async function answerQuery<TRouter extends OpenApiRouter>(
  opts: CreateOpenApiExpressMiddlewareOptions<TRouter>,
  plan: QueryPlan,
  route: Route,
  req: ExpressRequest,
  res: ExpressResponse,
): Promise<void> {
  const { createContext, responseMeta, onError } = opts;
  const { path, url } = route;
  const input = plan.takesNoInput ? undefined : { ...getQuery(req, url), ...route.pathInput };
  const signal = abortedWhenClientGoes(res);
  const info: TRPCRequestInfo = {
    isBatchCall: false,
    accept: null,
    calls: [],
    type: 'query',
    connectionParams: null,
    signal,
    url,
  };
  let ctx: unknown;
  let data: unknown;
  const metaFor = (errors: TRPCError[]) =>
    responseMeta?.({
      type: 'query',
      paths: [path],
      ctx: ctx as never,
      data: [data] as never,
      errors,
      info,
      eagerGeneration: true,
    });
  try {
    ctx = await createContext?.({ req, res, info });
    const rawInput = coerced(input, plan);
    data = await plan.procedure({ path, getRawInput: async () => rawInput, ctx, type: 'query', signal, batchIndex: 0 });
    const meta = metaFor([]);
    send(res, meta?.status ?? 200, meta?.headers, data);
  } catch (cause) {
    const error = getErrorFromUnknown(cause);
    onError?.({ error, type: 'query', path, input, ctx: ctx as never, req });
    const meta = metaFor([error]);
    const shape = getTRPCErrorShape({ config: opts.router._def._config, error, type: 'query', path, input, ctx });
    const isInputValidationError =
      error.code === 'BAD_REQUEST' && error.cause instanceof Error && error.cause.name === 'ZodError';
    send(res, meta?.status ?? TRPC_ERROR_CODE_HTTP_STATUS[error.code] ?? 500, meta?.headers, {
      ...shape,
      message: isInputValidationError
        ? 'Input validation failed'
        : (shape?.message ?? error.message ?? 'An error occurred'),
      code: error.code,
      issues: isInputValidationError ? (error.cause as Error & { issues: unknown }).issues : undefined,
    });
  }
}

/** The middleware's response: its status, a JSON content type, then the headers of `responseMeta`. */
function send(res: ExpressResponse, status: number, headers: unknown, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) res.setHeader(name, value as string | string[]);
  }
  res.end(JSON.stringify(body));
}
