import { repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { createContext } from '../src/context.js';
import { createCaller } from '../src/root.js';
import type { Mailer } from '../src/services/mail.js';
import type { SecurityEventSink } from '../src/services/security-events.js';
import { RateLimiterAuthThrottle, type ThrottleConfig } from '../src/services/throttle.js';
import type { ApiConfig } from '../src/services.js';
import { createApiServices } from '../src/services.js';

export const config: ApiConfig = {
  accessSecret: 'test-access-secret-that-is-32-bytes-long!',
  refreshSecret: 'test-refresh-secret-that-is-32-bytes-long',
  accessTtlMs: 15 * 60_000,
  refreshTtlMs: 30 * 86_400_000,
  sessionMaxAgeMs: 30 * 86_400_000,
  issuer: 'auth-api',
  audience: 'auth-api',
  // The lowest bcrypt cost: the tests are about behaviour, not hashing speed.
  bcryptCost: 4,
};

export interface Harness {
  db: TestDatabase;
  services: ReturnType<typeof createApiServices>;
  /** A caller as a client at `address` would be, optionally with an access token. */
  caller(accessToken?: string, address?: string): ReturnType<typeof createCaller>;
}

export async function createHarness(
  options: {
    throttle?: Partial<ThrottleConfig>;
    now?: () => Date;
    db?: TestDatabase;
    config?: Partial<ApiConfig>;
    events?: SecurityEventSink;
    mailer?: Mailer;
  } = {},
): Promise<Harness> {
  const db = options.db ?? (await createTestDatabase());
  const services = createApiServices(
    { ...config, ...options.config },
    {
      // Tests register many accounts from one address; the tests of that limit set their own.
      throttle: RateLimiterAuthThrottle.inMemory({ maxRegistrationsPerAddress: 100_000, ...options.throttle }),
      ...(options.now ? { now: options.now } : {}),
      ...(options.events ? { events: options.events } : {}),
      ...(options.mailer ? { mailer: options.mailer } : {}),
    },
  );
  return {
    db,
    services,
    caller: (accessToken, address = '192.0.2.1') =>
      createCaller(
        createContext({
          em: db.orm.em,
          services,
          authorization: accessToken ? `Bearer ${accessToken}` : undefined,
          clientAddress: address,
          requestId: 'test-request',
        }),
      ),
  };
}

let counter = 0;
/** A fresh valid username per call, so tests never collide. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

export const PASSWORD = 'correct horse battery';

/** The TRPCError a call failed with (the test fails if it did not fail so). */
export async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** A new account, signed in: its token pair. */
export function signUp(h: Harness, prefix = 'user') {
  return h.caller().auth.register({ username: uniqueName(prefix), password: PASSWORD });
}

/** A new account with the admin role (given in the database, as an operator would): its token pair. */
export async function signUpAdmin(h: Harness) {
  const pair = await signUp(h, 'admin');
  await repositoriesOf(h.db.orm.em.fork()).users.nativeUpdate({ id: pair.user.id }, { role: 'admin' });
  return { ...pair, user: { ...pair.user, role: 'admin' as const } };
}

/** The refresh token of a bearer-mode answer (the test fails if cookie mode kept it out of the body). */
export function refreshTokenOf(pair: { refreshToken?: string | undefined }): string {
  if (pair.refreshToken === undefined) throw new Error('expected a refresh token in the body (bearer mode)');
  return pair.refreshToken;
}

/** The token pair of a sign-in that needed no second factor (the test fails on a second-factor answer). */
export function signedIn<T extends object>(result: T): Exclude<T, { mfaRequired: true }> {
  if ('mfaRequired' in result && result.mfaRequired === true) throw new Error('the sign-in asked for a second factor');
  return result as Exclude<T, { mfaRequired: true }>;
}
