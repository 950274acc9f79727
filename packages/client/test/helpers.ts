import type { AppRouter } from '@repo/api';
import { startTestApi, type TestApi } from '@repo/server/testing';
import { TRPCClientError } from '@trpc/client';
import { expect } from 'vitest';
import type { FetchLike } from '../src/index.js';

/** Access tokens live 4 s here, so tests can outwait one. */
export const ACCESS_TTL_MS = 4000;

export const PASSWORD = 'correct horse battery';

let counter = 0;
/** Credentials of a fresh account, so tests in one database never collide. */
export function newCredentials(prefix = 'c'): { username: string; password: string } {
  counter += 1;
  return { username: `${prefix}_${process.pid}_${counter}`, password: PASSWORD };
}

export type TestServer = TestApi;

/** The real app on an ephemeral port, on a fresh database of the project's dialect. */
export function startServer(accessTtlMs = ACCESS_TTL_MS): Promise<TestServer> {
  return startTestApi({ config: { accessTtlMs } });
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
