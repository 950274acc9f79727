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
 * The commonest request of all, one query by GET (`/trpc/user.me`), skips
 * the Fetch objects altogether: see `answerSingleQuery`.
 */
export function createTrpcHandler<TRouter extends AnyTRPCRouter>(
  // Express middleware goes in front with app.use: no `middleware` option here.
  opts: NodeHTTPHandlerOptions<TRouter, ExpressRequest, ExpressResponse> & { middleware?: never },
): RequestHandler {
  return (req, res) => {
    const path = req.path.slice(req.path.lastIndexOf('/') + 1);
    handle(req, res).catch(internal_exceptionHandler({ ...opts, req, res, path }));

    async function handle(req: ExpressRequest, res: ExpressResponse): Promise<void> {
      const single = singleQueryOf(opts.router, req, path);
      if (single) {
        await answerSingleQuery(opts, single, req, res);
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
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  return new Request(url, { method: req.method, headers: headersOf(req), signal: controller.signal });
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

/** One query by GET: what `answerSingleQuery` needs, read off the request. */
interface SingleQuery {
  path: string;
  procedure: AnyTRPCProcedure;
  /** The input as the client sent it, deserialized; undefined when there is none. */
  input: unknown;
  url: URL;
}

/**
 * The request, if it is the plainest tRPC call: a GET of one query procedure
 * (found, not lazy), not batched, not streamed, whose only parameter is a
 * well-formed JSON `input`. Anything else, including every request tRPC
 * answers with an error before calling a procedure, is left to
 * `resolveResponse`.
 */
function singleQueryOf(router: AnyTRPCRouter, req: ExpressRequest, path: string): SingleQuery | undefined {
  if (req.method !== 'GET' || path.includes('%') || path.includes(',')) return undefined;
  const { headers } = req;
  if (headers['trpc-accept'] !== undefined || headers.accept?.includes('application/jsonl')) return undefined;
  if (headers['content-type'] !== undefined) return undefined;
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure | undefined>;
  const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
  if (typeof procedure !== 'function' || procedure._def?.type !== 'query') return undefined;
  let url: URL;
  try {
    url = createURL(req);
  } catch {
    return undefined;
  }
  let input: unknown;
  for (const [name, value] of url.searchParams) {
    if (name !== 'input' || input !== undefined) return undefined;
    if (!value) continue;
    try {
      input = router._def._config.transformer.input.deserialize(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return { path, procedure, input, url };
}

/**
 * What `resolveResponse` does for a single query, step for step (context,
 * call, error shape, `onError`, `responseMeta`, status, headers, body), on
 * Node's objects directly: no `Request`, `Headers`, `Response` or stream.
 * The differential test (test/trpc-handler.test.ts) holds both to tRPC's
 * own Express adapter.
 */
async function answerSingleQuery<TRouter extends AnyTRPCRouter>(
  opts: NodeHTTPHandlerOptions<TRouter, ExpressRequest, ExpressResponse>,
  call: SingleQuery,
  req: ExpressRequest,
  res: ExpressResponse,
): Promise<void> {
  const config = opts.router._def._config;
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  let inputRead = false;
  const getRawInput = async () => {
    inputRead = true;
    return call.input;
  };
  const info: TRPCRequestInfo = {
    accept: null,
    type: 'query',
    isBatchCall: false,
    calls: [
      {
        path: call.path,
        getRawInput,
        result: () => (inputRead ? call.input : undefined),
        procedure: call.procedure,
        batchIndex: 0,
      },
    ],
    connectionParams: null,
    signal: controller.signal,
    url: call.url,
  };
  let ctx: unknown;
  let body: { result: { data: unknown } } | { error: unknown };
  let error: TRPCError | undefined;
  try {
    ctx = await opts.createContext?.({ req, res, info });
    const data: unknown = await call.procedure({
      path: call.path,
      getRawInput,
      ctx,
      type: 'query',
      signal: controller.signal,
      batchIndex: 0,
    });
    if (isDataStream(data)) {
      throw new TRPCError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
      });
    }
    body = { result: { data } };
  } catch (cause) {
    error = getTRPCErrorFromUnknown(cause);
    const input = info.calls[0]?.result();
    opts.onError?.({ error, path: call.path, input, ctx, type: 'query', req });
    body = { error: getTRPCErrorShape({ config, error, type: 'query', path: call.path, input, ctx }) };
  }
  const errors = error ? [error] : [];
  const headers = new Map<string, string[]>([
    ['vary', ['trpc-accept, accept']],
    ['content-type', ['application/json']],
  ]);
  let status = getHTTPStatusCode([body] as Parameters<typeof getHTTPStatusCode>[0], errors);
  const meta = opts.responseMeta?.({
    ctx: ctx as never,
    info,
    paths: [call.path],
    type: 'query',
    data: [body] as never,
    errors,
    eagerGeneration: false,
  });
  if (meta?.headers) {
    const entries = meta.headers instanceof Headers ? [...meta.headers.entries()] : Object.entries(meta.headers);
    for (const [name, value] of entries) {
      const key = name.toLowerCase();
      if (Array.isArray(value)) headers.set(key, [...(headers.get(key) ?? []), ...value]);
      else if (typeof value === 'string')
        headers.set(key, meta.headers instanceof Headers ? [...(headers.get(key) ?? []), value] : [value]);
    }
  }
  if (meta?.status) status = meta.status;
  if (res.statusCode === 200) res.statusCode = status;
  for (const [name, values] of headers) res.setHeader(name, name === 'set-cookie' ? values : values.join(', '));
  res.end(JSON.stringify(transformTRPCResponse(config, body as never)));
}

/** tRPC's test for data only a stream can carry: an async iterable, or an object holding promises or iterables. */
function isDataStream(value: unknown): boolean {
  const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isAsyncIterable = (v: unknown) => isObject(v) && Symbol.asyncIterator in v;
  const isPromise = (v: unknown) =>
    (isObject(v) || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function' &&
    typeof (v as { catch?: unknown }).catch === 'function';
  if (!isObject(value)) return false;
  return isAsyncIterable(value) || Object.values(value).some((v) => isPromise(v) || isAsyncIterable(v));
}
