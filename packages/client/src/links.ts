import type { AppRouter, TokenPairResponse as TokenPair } from '@repo/api';
import { httpBatchLink, type Operation, type OperationLink, type TRPCLink } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { isUnauthorized, toClientError } from './errors.js';
import type { SessionManager } from './session.js';

/** Where the auth link leaves the access token for the transport link. */
const ACCESS_TOKEN = '@repo/client:accessToken';

/**
 * The paths (`auth.login`) of the procedures in `Outputs` that answer a token
 * pair, or may (login answers one or the second-factor step), found from the
 * router's type.
 */
type TokenPairPaths<Outputs, Prefix extends string = ''> = {
  [Key in keyof Outputs & string]: [Extract<Outputs[Key], TokenPair>] extends [never]
    ? Outputs[Key] extends Record<string, unknown>
      ? TokenPairPaths<Outputs[Key], `${Prefix}${Key}.`>
      : never
    : `${Prefix}${Key}`;
}[keyof Outputs & string];

/**
 * Procedures that never carry or renew a token: those that answer a token
 * pair, which is how a session starts or renews. Derived from the router's
 * type, all the client has of it (no server code is bundled): the compiler
 * refuses this object while it misses such a procedure or names another.
 */
const SESSION_PATHS: Record<TokenPairPaths<inferRouterOutputs<AppRouter>>, true> = {
  'auth.register': true,
  'auth.login': true,
  'auth.passkeyLogin': true,
  'auth.verifyMfa': true,
  'auth.refresh': true,
  'auth.oidcExchange': true,
};
const PUBLIC_PATHS = new Set<string>(Object.keys(SESSION_PATHS));

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

/** A `fetch`: the global one or a wrapper of it (to count, log or proxy requests). */
export type FetchLike = typeof globalThis.fetch;

/** The response header in which the server publishes its cap on calls per batch request. */
export const MAX_BATCH_SIZE_HEADER = 'x-trpc-max-batch-size';

/** How many calls one batch request may carry, as far as this client knows. */
export interface BatchSize {
  current(): number;
  /** A `fetch` that reads the server's cap off every response it gets. */
  readonly fetch: FetchLike;
}

/**
 * The batch size: the server's published cap, or `chosen` when that is lower.
 * Until a response has told the cap, `chosen` if given, else one call per
 * request: a guess could exceed the cap, and the server refuses such a batch
 * whole (400).
 */
export function batchSize(chosen: number | undefined, fetch: FetchLike | undefined): BatchSize {
  if (chosen !== undefined && !(Number.isInteger(chosen) && chosen >= 1)) {
    throw new RangeError(`maxBatchSize must be a whole number of at least 1 (got ${chosen})`);
  }
  let published: number | undefined;
  return {
    current: () => Math.min(chosen ?? Number.POSITIVE_INFINITY, published ?? chosen ?? 1),
    fetch: async (input, init) => {
      const response = await (fetch ?? globalThis.fetch)(input, init);
      const cap = Number(response.headers.get(MAX_BATCH_SIZE_HEADER) ?? Number.NaN);
      if (Number.isInteger(cap) && cap >= 1) published = cap;
      return response;
    },
  };
}

export interface BearerBatchLinkOptions {
  url: string;
  batchSize: BatchSize;
  headers: () => Promise<Record<string, string>>;
}

/**
 * The terminating link: `httpBatchLink`, with `Authorization: Bearer` set from
 * the token the auth link chose. A batch request has one set of headers, so
 * each token gets its own batch queue: a call never goes out under another
 * call's token (say, a retried call batched with calls holding the old one).
 * The queues are made anew when the batch size changes.
 */
export function bearerBatchLink(options: BearerBatchLinkOptions): TRPCLink<AppRouter> {
  return (runtime) => {
    const queues = new Map<string, OperationLink<AppRouter>>();
    let queuedBatchSize = options.batchSize.current();
    const queueFor = (accessToken: string | undefined): OperationLink<AppRouter> => {
      const maxItems = options.batchSize.current();
      if (maxItems !== queuedBatchSize) {
        // Calls already queued go out as they were batched; new ones use the new size.
        queues.clear();
        queuedBatchSize = maxItems;
      }
      const key = accessToken ?? '';
      let queue = queues.get(key);
      if (!queue) {
        queue = httpBatchLink<AppRouter>({
          url: options.url,
          fetch: options.batchSize.fetch,
          maxItems,
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
