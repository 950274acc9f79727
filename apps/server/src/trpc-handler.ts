import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyTRPCRouter } from '@trpc/server';
import {
  createURL,
  incomingMessageToRequest,
  internal_exceptionHandler,
  type NodeHTTPHandlerOptions,
} from '@trpc/server/adapters/node-http';
import { resolveResponse } from '@trpc/server/http';
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
 */
export function createTrpcHandler<TRouter extends AnyTRPCRouter>(
  // Express middleware goes in front with app.use: no `middleware` option here.
  opts: NodeHTTPHandlerOptions<TRouter, ExpressRequest, ExpressResponse> & { middleware?: never },
): RequestHandler {
  return (req, res) => {
    const path = req.path.slice(req.path.lastIndexOf('/') + 1);
    handle(req, res).catch(internal_exceptionHandler({ ...opts, req, res, path }));

    async function handle(req: ExpressRequest, res: ExpressResponse): Promise<void> {
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
