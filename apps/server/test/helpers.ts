import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { MikroORM } from '@mikro-orm/core';
import { type ApiConfig, type ApiServices, type AppRouter, createApiServices, type TokenPair } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { afterAll, beforeAll } from 'vitest';
import { createApp, requestListener } from '../src/app.js';
import type { TrustProxy } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createConsoleMailer } from '../src/mailer.js';
import type { Metrics } from '../src/metrics.js';
import { testApiConfig } from '../src/testing.js';

export const apiConfig: ApiConfig = testApiConfig();

export const PASSWORD = 'correct horse battery';

let counter = 0;
/** A fresh valid username per call, so tests in one database never collide. */
export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

export interface RestResponse<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  body: T;
}

export interface RestOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  baseUrl: string;
  services: ApiServices;
  /** Every line the app logged, as written (JSON lines). */
  logLines: string[];
  /** Every response body received through `rest` and `trpc`, as text. */
  responseBodies: string[];
  rest<T = Record<string, unknown>>(method: string, path: string, options?: RestOptions): Promise<RestResponse<T>>;
  /** A real tRPC client on /trpc; `onRequest` sees each HTTP request it makes. */
  trpc(token?: string, onRequest?: (url: string) => void): ReturnType<typeof createTRPCClient<AppRouter>>;
  close(): Promise<void>;
}

/** Runs the real app on an ephemeral port, logging JSON lines into memory. */
export async function startServer(options: {
  orm: MikroORM;
  services?: ApiServices;
  corsOrigins?: string[];
  logLevel?: string;
  maxBatchSize?: number;
  trustProxy?: TrustProxy;
  /** Which handler serves /trpc (app.ts's option): the fast transport by default. */
  transport?: 'fast' | 'stock';
  metrics?: Metrics;
  /** A port chosen ahead (a provider must know the redirect URI before the server starts); any free one by default. */
  port?: number;
}): Promise<TestServer> {
  const logLines: string[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      pending += String(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      logLines.push(...lines.filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level: options.logLevel ?? 'debug', isPretty: false, destination });
  // As in development without SMTP_URL, with the console's copy dropped: the
  // email procedures work (email.test.ts sends through a real SMTP server).
  const services =
    options.services ?? createApiServices(apiConfig, { mailer: createConsoleMailer('test@localhost', () => {}) });
  const app = createApp({
    orm: options.orm,
    services,
    logger,
    corsOrigins: options.corsOrigins ?? [],
    ...(options.maxBatchSize !== undefined ? { maxBatchSize: options.maxBatchSize } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.transport !== undefined ? { transport: options.transport } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
  });
  const server = createServer(requestListener(app, logger)).listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const responseBodies: string[] = [];

  return {
    baseUrl,
    services,
    logLines,
    responseBodies,
    async rest<T>(method: string, path: string, opts: RestOptions = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(opts.body !== undefined
          ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
          : {}),
      });
      const text = await res.text();
      responseBodies.push(text);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.status, headers: res.headers, text, body: body as T };
    },
    trpc(token, onRequest) {
      return createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: `${baseUrl}/trpc`,
            headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
            fetch: async (url, init) => {
              onRequest?.(String(url));
              const res = await fetch(url, init);
              responseBodies.push(await res.clone().text());
              return res;
            },
          }),
        ],
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Registers a new account through REST and returns its token pair. */
/**
 * The usual test file: its own database and the real app on it, started
 * before its tests and torn down after them. Read `.server` and `.db` inside
 * the tests (they exist once `beforeAll` has run).
 */
export function useTestServer(options: Omit<Parameters<typeof startServer>[0], 'orm'> = {}): {
  readonly server: TestServer;
  readonly db: TestDatabase;
} {
  let db: TestDatabase | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServer({ ...options, orm: db.orm });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test server is started in beforeAll');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get db() {
      return started(db);
    },
  };
}

export async function register(server: TestServer, username = uniqueName(), password = PASSWORD): Promise<TokenPair> {
  const res = await server.rest<TokenPair>('POST', '/api/auth/register', { body: { username, password } });
  if (res.status !== 200) throw new Error(`register ${username} failed: ${res.status} ${res.text}`);
  return res.body;
}

/** Signs in through REST and returns the token pair of the new session. */
export async function login(server: TestServer, username: string, password = PASSWORD): Promise<TokenPair> {
  const res = await server.rest<TokenPair>('POST', '/api/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.text}`);
  return res.body;
}

/** Asserts nothing; returns the REST status of GET /api/users/me with the token. */
export async function meStatus(server: TestServer, token: string): Promise<number> {
  return (await server.rest('GET', '/api/users/me', { token })).status;
}

/**
 * The paths of a tRPC router's procedures (`user.me`), read off the router
 * itself: a built router carries its sub-routers and procedures as
 * properties, the way `appRouter.user.me` reaches one.
 */
export function procedurePaths(router: object, prefix = ''): string[] {
  return Object.entries(router).flatMap(([key, value]) => {
    if (key === '_def' || key === 'createCaller') return [];
    if (typeof value === 'function') return [`${prefix}${key}`];
    return typeof value === 'object' && value !== null ? procedurePaths(value, `${prefix}${key}.`) : [];
  });
}

/** `fetch` over a connection made from `localAddress`, so the server sees that client address. */
export function fetchFrom(localAddress: string): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    const headers = new Headers(init?.headers);
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        { method: init?.method ?? 'GET', headers: Object.fromEntries(headers), localAddress, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === 'string') responseHeaders.set(name, value);
            }
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: responseHeaders }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
}

/** The token pair of a sign-in that needed no second factor (the test fails on a second-factor answer). */
export function signedIn<T extends object>(result: T): Exclude<T, { mfaRequired: true }> {
  if ('mfaRequired' in result && result.mfaRequired === true) throw new Error('the sign-in asked for a second factor');
  return result as Exclude<T, { mfaRequired: true }>;
}
