import type { AppRouter, TokenPairResponse as TokenPair } from '@repo/api';
import { httpBatchLink, type Operation, type OperationLink, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { isUnauthorized, toClientError } from './errors.js';
import type { SessionManager } from './session.js';

/** Where the auth link leaves the access token for the transport link. */
const ACCESS_TOKEN = '@repo/client:accessToken';

/** Procedures that never carry or renew a token: they are how a session starts or renews. */
const PUBLIC_PATHS = new Set(['auth.register', 'auth.login', 'auth.refresh']);

function withAccessToken(op: Operation, accessToken: string | undefined): Operation {
  return { ...op, context: { ...op.context, [ACCESS_TOKEN]: accessToken } };
}

/**
 * Gives every call the session's access token: renewed first when it expires
 * within the leeway, and, when the call still gets a 401, renewed once more
 * and the call retried once. Calls without a session go out without a token.
 */
export function authLink(sessions: SessionManager): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      if (PUBLIC_PATHS.has(op.path)) return next(withAccessToken(op, undefined));
      return observable((observer) => {
        let inner: Unsubscribable | undefined;
        let isStopped = false;
        const fail = (error: unknown) => {
          if (!isStopped) observer.error(toClientError(error));
        };
        const send = (pair: TokenPair | null, isRetry: boolean) => {
          if (isStopped) return;
          inner = next(withAccessToken(op, pair?.accessToken)).subscribe({
            next: (envelope) => observer.next(envelope),
            complete: () => observer.complete(),
            error: (error) => {
              if (pair && !isRetry && isUnauthorized(error)) {
                sessions.renew(pair.accessToken).then((renewed) => send(renewed, true), fail);
              } else {
                observer.error(error);
              }
            },
          });
        };
        sessions.forCall().then((pair) => send(pair, false), fail);
        return () => {
          isStopped = true;
          inner?.unsubscribe();
        };
      });
    };
}

export interface BearerBatchLinkOptions {
  url: string;
  fetch?: FetchLike | undefined;
  headers: () => Promise<Record<string, string>>;
}

/** A `fetch`: the global one or a wrapper of it (to count, log or proxy requests). */
export type FetchLike = typeof globalThis.fetch;

/** The server's limit on calls per batch request (MAX_BATCH_SIZE in @repo/server). */
const MAX_BATCH_SIZE = 10;

/**
 * The terminating link: `httpBatchLink`, with `Authorization: Bearer` set from
 * the token the auth link chose. A batch request has one set of headers, so
 * each token gets its own batch queue: a call never goes out under another
 * call's token (say, a retried call batched with calls holding the old one).
 */
export function bearerBatchLink(options: BearerBatchLinkOptions): TRPCLink<AppRouter> {
  return (runtime) => {
    const queues = new Map<string, OperationLink<AppRouter>>();
    const queueFor = (accessToken: string | undefined): OperationLink<AppRouter> => {
      const key = accessToken ?? '';
      let queue = queues.get(key);
      if (!queue) {
        queue = httpBatchLink<AppRouter>({
          url: options.url,
          fetch: options.fetch,
          maxItems: MAX_BATCH_SIZE,
          // Long batched GET URLs are refused by some proxies: split batches past this.
          maxURLLength: 2083,
          headers: async () => ({
            ...(await options.headers()),
            ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
          }),
        })(runtime);
        // Only the newest tokens get new calls; older queues have sent theirs already.
        if (queues.size >= 3) {
          const oldest = queues.keys().next();
          if (!oldest.done) queues.delete(oldest.value);
        }
        queues.set(key, queue);
      }
      return queue;
    };
    return ({ op, next }) => {
      const accessToken = op.context[ACCESS_TOKEN];
      return queueFor(typeof accessToken === 'string' ? accessToken : undefined)({ op, next });
    };
  };
}
