import type { ServerResponse } from 'node:http';
import {
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
} from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { createURL, type NodeHTTPHandlerOptions } from '@trpc/server/adapters/node-http';
import { getHTTPStatusCode, getHTTPStatusCodeFromError, type TRPCRequestInfo } from '@trpc/server/http';
import type { Request as ExpressRequest, Response as ExpressResponse, RequestHandler } from 'express';

export type FastTrpcHandlerOptions<TRouter extends AnyTRPCRouter> = NodeHTTPHandlerOptions<
  TRouter,
  ExpressRequest,
  ExpressResponse
>;

/** The options this handler honours; any other one is refused when it is made. */
const HONOURED_OPTIONS = new Set([
  'router',
  'createContext',
  'onError',
  'responseMeta',
  'maxBodySize',
  'maxBatchSize',
  'allowMethodOverride',
]);

/**
 * tRPC over Express: tRPC's own `createExpressMiddleware`, with the
 * commonest requests of all, queries by GET, one (`/trpc/user.me`) or a
 * batch (`/trpc/user.me,user.list?batch=1&input=…`, what `httpBatchLink`
 * sends), answered here instead, on Node's objects directly: no Fetch
 * `Request`, `Headers`, `Response` or web stream, which tRPC's adapter builds
 * for every request and which cost more than the whole procedure for a small
 * query (figures: bench/README.md, `pnpm bench`'s fast ÷ stock line). Everything else
 * (mutations, streamed batches, anything tRPC answers with an error before
 * calling a procedure) goes to tRPC's adapter.
 *
 * The fast path redoes private steps of tRPC's `resolveResponse` and reads
 * `router._def`: the tRPC version is pinned exactly (pnpm-workspace.yaml),
 * and the differential test (test/fast-transport-trpc.test.ts) holds it to
 * the stock adapter. It honours the options in HONOURED_OPTIONS and a router
 * without a transformer; anything else throws here, at construction.
 */
export function createFastTrpcHandler<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
): RequestHandler {
  refuseWhatIsNotHonoured(opts);
  const stock = createExpressMiddleware(opts);
  return (req, res, next) => {
    const path = req.path.slice(req.path.lastIndexOf('/') + 1);
    const queries = queriesOf(opts.router, req, path, opts.maxBatchSize);
    if (!queries) {
      stock(req, res, next);
      return;
    }
    answerQueries(opts, queries, req, res).catch((cause: unknown) => answerUnexpected(opts, cause, req, res));
  };
}

function refuseWhatIsNotHonoured(opts: { router: AnyTRPCRouter }): void {
  const given: Record<string, unknown> = opts;
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined || HONOURED_OPTIONS.has(name)) continue;
    // Batching on is the default, which the fast path does honour.
    if (name === 'allowBatching' && value === true) continue;
    throw new Error(`createFastTrpcHandler does not honour the option \`${name}\`: use tRPC's createExpressMiddleware`);
  }
  const config = opts.router._def._config as RouterConfig;
  const probe = {};
  const { transformer } = config;
  if (transformer.input.deserialize(probe) !== probe || transformer.output.serialize(probe) !== probe) {
    throw new Error("createFastTrpcHandler does not honour a router's transformer: use tRPC's createExpressMiddleware");
  }
  if ((config.pathSeparator ?? '.') !== '.') {
    throw new Error(
      "createFastTrpcHandler does not honour a router's pathSeparator: use tRPC's createExpressMiddleware",
    );
  }
}

interface RouterConfig {
  pathSeparator?: string;
  transformer: {
    input: { deserialize(value: unknown): unknown };
    output: { serialize(value: unknown): unknown };
  };
}

/** A signal that aborts if the connection closes before the response has been sent. */
function abortedWhenClientGoes(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}

/**
 * What tRPC's adapter answers when building the response itself fails (a
 * `responseMeta` that throws, say): its error shape, reported to `onError`.
 */
function answerUnexpected<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  cause: unknown,
  req: ExpressRequest,
  res: ExpressResponse,
): void {
  const error = getTRPCErrorFromUnknown(cause);
  const at = { error, type: 'unknown', path: undefined, input: undefined, ctx: undefined } as const;
  opts.onError?.({ ...at, req });
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = getHTTPStatusCodeFromError(error);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ error: getTRPCErrorShape({ ...at, config: opts.router._def._config }) }));
}

/** Queries by GET: what `answerQueries` needs, read off the request. */
interface Queries {
  isBatchCall: boolean;
  calls: {
    path: string;
    procedure: AnyTRPCProcedure;
    /** The input as the client sent it; undefined when there is none. */
    input: unknown;
  }[];
  url: URL;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The request, if it is one of the plainest tRPC calls: a GET of query
 * procedures (each found, none lazy), one or a batch within `maxBatchSize`,
 * not streamed, whose only parameters are `batch=1` and a well-formed JSON
 * `input`. Anything else, including every request tRPC answers with an error
 * before calling a procedure, is left to `resolveResponse`.
 */
function queriesOf(
  router: AnyTRPCRouter,
  req: ExpressRequest,
  path: string,
  maxBatchSize: number | undefined,
): Queries | undefined {
  if (req.method !== 'GET' || path.includes('%')) return undefined;
  const { headers } = req;
  if (headers['trpc-accept'] !== undefined || headers.accept?.includes('application/jsonl')) return undefined;
  if (headers['content-type'] !== undefined) return undefined;
  let url: URL;
  try {
    url = createURL(req);
  } catch {
    return undefined;
  }
  let batch: string | undefined;
  let rawInput: string | undefined;
  for (const [name, value] of url.searchParams) {
    if (name === 'batch' && batch === undefined) batch = value;
    else if (name === 'input' && rawInput === undefined) rawInput = value;
    else return undefined;
  }
  if (batch !== undefined && batch !== '1') return undefined;
  const isBatchCall = batch === '1';
  const paths = isBatchCall ? path.split(',') : [path];
  if (isBatchCall && maxBatchSize !== undefined && paths.length > maxBatchSize) return undefined;
  let inputs: unknown;
  try {
    if (rawInput) inputs = JSON.parse(rawInput);
  } catch {
    return undefined;
  }
  if (isBatchCall && inputs !== undefined && !isObject(inputs)) return undefined;
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure | undefined>;
  const calls: Queries['calls'] = [];
  for (const [index, callPath] of paths.entries()) {
    const procedure = Object.hasOwn(procedures, callPath) ? procedures[callPath] : undefined;
    if (typeof procedure !== 'function' || procedure._def?.type !== 'query') return undefined;
    const input = isBatchCall ? (inputs as Record<string, unknown> | undefined)?.[index] : inputs;
    calls.push({ path: callPath, procedure, input });
  }
  return { isBatchCall, calls, url };
}

type Settled = readonly [error: TRPCError, data: undefined] | readonly [error: undefined, data: unknown];
type Envelope = { result: { data: unknown } } | { error: unknown };
/** The context, or the error `createContext` threw (each call then fails with it). */
type Created = { ctx: unknown; error?: undefined } | { ctx: undefined; error: TRPCError };

/**
 * What `resolveResponse` does for queries answered as one JSON document, step
 * for step and in functions named after its steps: the request info, the
 * context, the calls (with `onError`), the response handlers of `httpLink` and
 * `httpBatchLink` (error shapes), then `initResponse` (status, headers,
 * `responseMeta`) and the body; on Node's objects directly: no `Request`,
 * `Headers`, `Response` or stream. The differential test
 * (test/fast-transport-trpc.test.ts) holds both to tRPC's own Express adapter.
 */
async function answerQueries<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  queries: Queries,
  req: ExpressRequest,
  res: ExpressResponse,
): Promise<void> {
  const info = getRequestInfo(queries, abortedWhenClientGoes(res));
  const created = await createContext(opts, info, req, res);
  const settled = await callProcedures(opts, queries, info, created, req);
  const { envelopes, errors } = queries.isBatchCall
    ? batchResponse(opts, info, created, settled)
    : singleResponse(opts, info, created, settled, req);
  try {
    respond(opts, info, created, res, queries.isBatchCall ? envelopes : envelopes[0], envelopes, errors);
  } catch (cause) {
    // As resolveResponse's last catch: the failure is reported, then answered as the request's
    // error (and should `responseMeta` throw again, answerUnexpected answers).
    const error = getTRPCErrorFromUnknown(cause);
    opts.onError?.({ error, path: undefined, input: undefined, ctx: created.ctx, type: 'query', req });
    const envelope = { error: errorShape(opts, created, error) };
    respond(opts, info, created, res, envelope, [envelope], [error]);
  }
}

/** `getRequestInfo`: the calls with their inputs (read all at once, the first time a call asks for its own). */
function getRequestInfo(queries: Queries, signal: AbortSignal): TRPCRequestInfo {
  let inputsRead = false;
  return {
    accept: null,
    type: 'query',
    isBatchCall: queries.isBatchCall,
    calls: queries.calls.map((call, batchIndex) => ({
      path: call.path,
      procedure: call.procedure,
      batchIndex,
      getRawInput: async () => {
        inputsRead = true;
        return call.input;
      },
      result: () => (inputsRead ? call.input : undefined),
    })),
    connectionParams: null,
    signal,
    url: queries.url,
  };
}

/** `ctxManager.create`: the context once for every call of the request. */
async function createContext<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  info: TRPCRequestInfo,
  req: ExpressRequest,
  res: ExpressResponse,
): Promise<Created> {
  try {
    return { ctx: await opts.createContext?.({ req, res, info }) };
  } catch (cause) {
    return { ctx: undefined, error: getTRPCErrorFromUnknown(cause) };
  }
}

/** `rpcCalls`: every procedure at once, each failure reported to `onError` with its path and input. */
function callProcedures<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  queries: Queries,
  info: TRPCRequestInfo,
  { ctx, error: contextError }: Created,
  req: ExpressRequest,
): Promise<Settled[]> {
  const signal = info.signal;
  return Promise.all(
    info.calls.map(async (call, batchIndex): Promise<Settled> => {
      try {
        if (contextError) throw contextError;
        const { getRawInput, path } = call;
        const procedure = queries.calls[batchIndex]?.procedure as AnyTRPCProcedure;
        return [undefined, await procedure({ path, getRawInput, ctx, type: 'query', signal, batchIndex })];
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        opts.onError?.({ error, path: call.path, input: call.result(), ctx, type: 'query', req });
        return [error, undefined];
      }
    }),
  );
}

interface Answered {
  envelopes: Envelope[];
  errors: (TRPCError | undefined)[];
}

const streamLike = () =>
  new TRPCError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
  });

function errorShape<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  { ctx }: Created,
  error: TRPCError,
  call?: TRPCRequestInfo['calls'][number],
): unknown {
  const config = opts.router._def._config;
  return getTRPCErrorShape({ config, error, type: 'query', path: call?.path, input: call?.result(), ctx });
}

/** The `httpLink` handler: one call; data only a stream can carry is an error thrown past the call. */
function singleResponse<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  info: TRPCRequestInfo,
  created: Created,
  settled: Settled[],
  req: ExpressRequest,
): Answered {
  const [first] = settled;
  if (first && !first[0] && isDataStream(first[1])) {
    // resolveResponse throws this one past the call: reported without its path or input.
    const error = streamLike();
    opts.onError?.({ error, path: undefined, input: undefined, ctx: created.ctx, type: 'query', req });
    return { envelopes: [{ error: errorShape(opts, created, error) }], errors: [error] };
  }
  return batchResponse(opts, info, created, settled);
}

/** The `httpBatchLink` handler: an envelope per call; data only a stream can carry is that call's error. */
function batchResponse<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  info: TRPCRequestInfo,
  created: Created,
  settled: Settled[],
): Answered {
  const errors = settled.map(
    ([error, data]) => error ?? (info.isBatchCall && isDataStream(data) ? streamLike() : undefined),
  );
  const envelopes = settled.map(([, data], index): Envelope => {
    const error = errors[index];
    return error ? { error: errorShape(opts, created, error, info.calls[index]) } : { result: { data } };
  });
  return { envelopes, errors };
}

/** `initResponse` (status, headers with `responseMeta`'s), then the body, as it is: no transformer (refused at construction). */
function respond<TRouter extends AnyTRPCRouter>(
  opts: FastTrpcHandlerOptions<TRouter>,
  info: TRPCRequestInfo,
  { ctx }: Created,
  res: ExpressResponse,
  body: unknown,
  data: unknown[],
  errors: (TRPCError | undefined)[],
): void {
  const headers = new Map<string, string[]>([
    ['vary', ['trpc-accept, accept']],
    ['content-type', ['application/json']],
  ]);
  let status = getHTTPStatusCode(data as Parameters<typeof getHTTPStatusCode>[0], errors as TRPCError[]);
  const meta = opts.responseMeta?.({
    ctx: ctx as never,
    info,
    paths: info.calls.map((call) => call.path),
    type: 'query',
    data: data as never,
    errors: errors.filter((error): error is TRPCError => error !== undefined),
    eagerGeneration: false,
  });
  if (meta?.headers) {
    const fromHeaders = meta.headers instanceof Headers;
    const entries = fromHeaders ? [...(meta.headers as Headers).entries()] : Object.entries(meta.headers);
    for (const [name, value] of entries) {
      const key = name.toLowerCase();
      if (Array.isArray(value)) headers.set(key, [...(headers.get(key) ?? []), ...value]);
      else if (typeof value === 'string')
        headers.set(key, fromHeaders ? [...(headers.get(key) ?? []), value] : [value]);
    }
  }
  if (meta?.status) status = meta.status;
  if (res.statusCode === 200) res.statusCode = status;
  for (const [name, values] of headers) res.setHeader(name, name === 'set-cookie' ? values : values.join(', '));
  res.end(JSON.stringify(body));
}

/** tRPC's test for data only a stream can carry: an async iterable, or an object holding promises or iterables. */
function isDataStream(value: unknown): boolean {
  const isAsyncIterable = (v: unknown) => isObject(v) && Symbol.asyncIterator in v;
  const isPromise = (v: unknown) =>
    (isObject(v) || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function' &&
    typeof (v as { catch?: unknown }).catch === 'function';
  if (!isObject(value)) return false;
  return isAsyncIterable(value) || Object.values(value).some((v) => isPromise(v) || isAsyncIterable(v));
}
