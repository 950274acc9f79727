import type { AddressInfo } from 'node:net';
import { type ApiConfig, type AppRouter, createApiServices } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { createApp, createLogger } from '@repo/server';
import { TRPCClientError } from '@trpc/client';
import { expect } from 'vitest';
import type { FetchLike } from '../src/index.js';

/** Access tokens live 4 s here, so tests can outwait one. */
export const ACCESS_TTL_MS = 4000;

const apiConfig: ApiConfig = {
  accessSecret: 'client-test-access-secret-of-32-bytes-or-more',
  refreshSecret: 'client-test-refresh-secret-of-32-bytes-or-more',
  accessTtlMs: ACCESS_TTL_MS,
  refreshTtlMs: 30 * 86_400_000,
  issuer: 'auth-api',
  audience: 'auth-api',
  // The lowest bcrypt cost: these tests are about the client, not hashing.
  bcryptCost: 4,
};

export const PASSWORD = 'correct horse battery';

let counter = 0;
/** Credentials of a fresh account, so tests in one database never collide. */
export function newCredentials(prefix = 'c'): { username: string; password: string } {
  counter += 1;
  return { username: `${prefix}_${process.pid}_${counter}`, password: PASSWORD };
}

export interface TestServer {
  url: string;
  db: TestDatabase;
  /** A plain REST call, as another device or Postman would make it. */
  rest(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** The real app on an ephemeral port, on a fresh database of the project's dialect. */
export async function startServer(): Promise<TestServer> {
  const db = await createTestDatabase();
  const app = createApp({
    orm: db.orm,
    services: createApiServices(apiConfig),
    logger: createLogger({ level: 'silent', isPretty: false }),
    corsOrigins: [],
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    db,
    rest: (method, path, options = {}) =>
      fetch(`${url}${path}`, {
        method,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    },
  };
}

export interface SentRequest {
  /** The procedures the request carried (several for a batch). */
  procedures: string[];
  /** The Authorization header, or null. */
  authorization: string | null;
  headers: Headers;
}

export interface RequestLog {
  fetch: FetchLike;
  requests: SentRequest[];
  /** How many calls of `procedure` went out (a batch of 3 counts 3). */
  calls(procedure: string): number;
  /** The Authorization header of each call of `procedure`, in order. */
  authorizationsOf(procedure: string): (string | null)[];
}

/** Answers a request instead of the server, or returns undefined to let it through. */
export type Intercept = (
  request: SentRequest,
  input: Parameters<FetchLike>[0],
  init: RequestInit | undefined,
) => Promise<Response> | undefined;

/** A `fetch` that records every tRPC request before sending it (or letting `intercept` answer). */
export function recordingFetch(intercept?: Intercept): RequestLog {
  const requests: SentRequest[] = [];
  const fetchAndRecord: FetchLike = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    const request: SentRequest = {
      procedures: decodeURIComponent(url.pathname.replace(/^.*\/trpc\//, '')).split(','),
      authorization: headers.get('authorization'),
      headers,
    };
    requests.push(request);
    return (await intercept?.(request, input, init)) ?? fetch(input, init);
  };
  const callsOf = (procedure: string) => requests.filter((r) => r.procedures.includes(procedure));
  return {
    fetch: fetchAndRecord,
    requests,
    calls: (procedure) =>
      callsOf(procedure).reduce((n, r) => n + r.procedures.filter((p) => p === procedure).length, 0),
    authorizationsOf: (procedure) => callsOf(procedure).map((r) => r.authorization),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until the server refuses an access token that expires at `expiresAt` (JWT `exp` is in whole seconds). */
export async function outwait(expiresAt: number): Promise<void> {
  await sleep(Math.max(0, expiresAt - Date.now()) + 50);
}

/** The error a call failed with; the test fails if it succeeded. */
export async function failureOf(call: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}
