import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import {
  createURL,
  incomingMessageToRequest,
  internal_exceptionHandler,
  type NodeHTTPHandlerOptions,
} from '@trpc/server/adapters/node-http';
import { getHTTPStatusCode, resolveResponse, type TRPCRequestInfo } from '@trpc/server/http';
import type { Request as ExpressRequest, Response as ExpressResponse, RequestHandler } from 'express';

/**
 * tRPC over Express, like `@trpc/server/adapters/express`, with a cheaper
 * crossing between Node's HTTP objects and the Fetch `Request`/`Response`
 * that tRPC's own `resolveResponse` (which does all the protocol work:
 * batching, validation, errors, status codes, `responseMeta`) speaks.
 *
 * The stock adapter copies every header into a `Headers` one by one and
 * writes every response through a web `WritableStream`; on Node 20 those two
 * crossings cost more than the whole procedure for a small query (measured by
 * `pnpm bench`: about half of the server's time on `user.me`). Here:
 * - a request without a body (GET/HEAD) becomes a `Request` built from the
 *   header object in one go; requests with a body still go through tRPC's
 *   own `incomingMessageToRequest` (streamed, with `maxBodySize`);
 * - a JSON response is read whole and written with one `res.end`; a streamed
 *   one (a `trpc-accept: application/jsonl` batch, a subscription's event
 *   stream) is piped as it comes, and stops when the client goes away.
 * Either way the request's signal aborts when the client goes away, and
 * whatever is thrown ends in tRPC's own error response.
 *
 * The commonest requests of all, queries by GET, one (`/trpc/user.me`) or a
 * batch (`/trpc/user.me,user.list?batch=1&input=…`, what `httpBatchLink`
 * sends), skip the Fetch objects altogether: see `answerQueries`.
 */
export function createTrpcHandler<TRouter extends AnyTRPCRouter>(
  // Express middleware goes in front with app.use: no `middleware` option here.
  opts: NodeHTTPHandlerOptions<TRouter, ExpressRequest, ExpressResponse> & { middleware?: never },
): RequestHandler {
  return (req, res) => {
    const path = req.path.slice(req.path.lastIndexOf('/') + 1);
    handle(req, res).catch((cause: unknown) => internal_exceptionHandler({ ...opts, req, res, path })(cause));

    async function handle(req: ExpressRequest, res: ExpressResponse): Promise<void> {
      const queries = queriesOf(opts.router, req, path, opts.maxBatchSize);
      if (queries) {
        await answerQueries(opts, queries, req, res);
        return;
      }
      const request = toFetchRequest(req, res, opts.maxBodySize ?? null);
      const response = await resolveResponse({
        ...opts,
        req: request,
        path,
        error: null,
        createContext: async (inner) => opts.createContext?.({ ...opts, ...inner, req, res }),
        onError: (o) => opts.onError?.({ ...o, req }),
      });
      await writeResponse(response, res, request.signal);
    }
  };
}

function toFetchRequest(req: IncomingMessage, res: ServerResponse, maxBodySize: number | null): Request {
  if (req.method !== 'GET' && req.method !== 'HEAD') return incomingMessageToRequest(req, res, { maxBodySize });
  const url = createURL(req);
  return new Request(url, { method: req.method, headers: headersOf(req), signal: abortedWhenClientGoes(res) });
}

/** A signal that aborts if the connection closes before the response has been sent. */
export function abortedWhenClientGoes(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}

/** Node's header object as a Fetch header record (HTTP/2 pseudo-headers left out, repeated values joined). */
function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function writeResponse(response: Response, res: ServerResponse, signal: AbortSignal): Promise<void> {
  if (res.statusCode === 200) res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  if (!isStreamed(response)) {
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      if (!res.write(chunk.value)) await once(res, 'drain', { signal });
    }
  } catch (error) {
    // The client went away: cancelling the stream stops the calls still running.
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener('abort', stop);
    res.end();
  }
}

/**
 * Whether tRPC answers with a stream: a `trpc-accept: application/jsonl` batch
 * (labelled `application/json` all the same, but chunked) or a subscription's
 * event stream. Everything else is one JSON document, whole before it is sent.
 */
function isStreamed(response: Response): boolean {
  return (
    response.headers.has('transfer-encoding') || !response.headers.get('content-type')?.startsWith('application/json')
  );
}

/** Queries by GET: what `answerQueries` needs, read off the request. */
interface Queries {
  isBatchCall: boolean;
  calls: {
    path: string;
    procedure: AnyTRPCProcedure;
    /** The input as the client sent it, deserialized; undefined when there is none. */
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
  const config = router._def._config as { pathSeparator?: string; transformer: TransformerLike };
  if (req.method !== 'GET' || path.includes('%') || (config.pathSeparator ?? '.') !== '.') return undefined;
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
    const sent = isBatchCall ? (inputs as Record<string, unknown> | undefined)?.[index] : inputs;
    let input: unknown;
    try {
      input = sent === undefined ? undefined : config.transformer.input.deserialize(sent);
    } catch {
      return undefined;
    }
    calls.push({ path: callPath, procedure, input });
  }
  return { isBatchCall, calls, url };
}

interface TransformerLike {
  input: { deserialize(value: unknown): unknown };
}

type Settled = readonly [error: TRPCError, data: undefined] | readonly [error: undefined, data: unknown];

/**
 * What `resolveResponse` does for queries answered as one JSON document, step
 * for step (context, calls, error shapes, `onError`, `responseMeta`, status,
 * headers, body), on Node's objects directly: no `Request`, `Headers`,
 * `Response` or stream. The differential test (test/trpc-handler.test.ts)
 * holds both to tRPC's own Express adapter.
 */
async function answerQueries<TRouter extends AnyTRPCRouter>(
  opts: NodeHTTPHandlerOptions<TRouter, ExpressRequest, ExpressResponse>,
  queries: Queries,
  req: ExpressRequest,
  res: ExpressResponse,
): Promise<void> {
  const config = opts.router._def._config;
  const signal = abortedWhenClientGoes(res);
  // tRPC reads every input of a request at once, the first time a call asks for its own.
  let inputsRead = false;
  const info: TRPCRequestInfo = {
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
  let ctx: unknown;
  let contextError: TRPCError | undefined;
  try {
    ctx = await opts.createContext?.({ req, res, info });
  } catch (cause) {
    contextError = getTRPCErrorFromUnknown(cause);
  }
  const settled = await Promise.all(
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
  const streamLike = () =>
    new TRPCError({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
    });
  const shapeOf = (error: TRPCError, call?: TRPCRequestInfo['calls'][number]) =>
    getTRPCErrorShape({ config, error, type: 'query', path: call?.path, input: call?.result(), ctx });

  let untransformed: ({ result: { data: unknown } } | { error: unknown })[];
  let errors: (TRPCError | undefined)[];
  const [first] = settled;
  if (!queries.isBatchCall && first && !first[0] && isDataStream(first[1])) {
    // resolveResponse throws this one past the call: reported without its path or input.
    const error = streamLike();
    opts.onError?.({ error, path: undefined, input: undefined, ctx, type: 'query', req });
    untransformed = [{ error: shapeOf(error) }];
    errors = [error];
  } else {
    errors = settled.map(
      ([error, data]) => error ?? (queries.isBatchCall && isDataStream(data) ? streamLike() : undefined),
    );
    untransformed = settled.map(([, data], index) => {
      const error = errors[index];
      return error ? { error: shapeOf(error, info.calls[index]) } : { result: { data } };
    });
  }
  const body = queries.isBatchCall ? untransformed : untransformed[0];

  const headers = new Map<string, string[]>([
    ['vary', ['trpc-accept, accept']],
    ['content-type', ['application/json']],
  ]);
  let status = getHTTPStatusCode(untransformed as Parameters<typeof getHTTPStatusCode>[0], errors as TRPCError[]);
  const meta = opts.responseMeta?.({
    ctx: ctx as never,
    info,
    paths: info.calls.map((call) => call.path),
    type: 'query',
    data: untransformed as never,
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
  res.end(JSON.stringify(transformTRPCResponse(config, body as never)));
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
