import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiConfig, createApiServices, type Mailer } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { createApp, requestListener } from './app.js';
import type { TrustProxy } from './config.js';
import { createLogger } from './logger.js';

/** 32 bytes, base64url: the MFA_ENCRYPTION_KEY of test suites and test processes (never of a real server). */
export const TEST_MFA_ENCRYPTION_KEY = 'bWZhLXRlc3Qta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXM';

/**
 * The API config of test suites: test-only secrets, the lowest bcrypt cost
 * (suites test behaviour, not hashing) and room for many registrations; a
 * suite overrides what it needs, such as a short `accessTtlMs`.
 */
export function testApiConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    accessSecret: 'test-access-secret-of-32-bytes-or-more',
    refreshSecret: 'test-refresh-secret-of-32-bytes-or-more',
    accessTtlMs: 15 * 60_000,
    refreshTtlMs: 30 * 86_400_000,
    sessionMaxAgeMs: 30 * 86_400_000,
    issuer: 'auth-api',
    audience: 'auth-api',
    bcryptCost: 4,
    // Suites register many accounts from one address; the suites of that limit set their own.
    throttle: { maxRegistrationsPerAddress: 100_000 },
    // No padding of password-reset answers: suites that time nothing need not wait.
    resetRequestMinMs: 0,
    // Fixed, so that instances of one suite read each other's TOTP secrets.
    mfaEncryptionKey: TEST_MFA_ENCRYPTION_KEY,
    ...overrides,
  };
}

export interface TestApi {
  url: string;
  db: TestDatabase;
  /** A plain REST call, as another device or Postman would make it. */
  rest(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real app, silent, on an ephemeral port and a fresh database of the
 * project's dialect (`@repo/db/testing`): what the client's and the web app's
 * tests run against.
 */
export async function startTestApi(
  options: {
    config?: Partial<ApiConfig>;
    corsOrigins?: string[];
    maxBatchSize?: number;
    mailer?: Mailer;
    /** TRUST_PROXY, for an API behind a reverse proxy (deploy/nginx.conf's test). */
    trustProxy?: TrustProxy;
  } = {},
): Promise<TestApi> {
  const db = await createTestDatabase();
  const services = createApiServices(testApiConfig(options.config), options.mailer ? { mailer: options.mailer } : {});
  // As main.ts does: the first unknown-user login costs what every other does.
  await services.passwords.warmUp();
  const logger = createLogger({ level: 'silent', isPretty: false });
  const app = createApp({
    orm: db.orm,
    services,
    logger,
    corsOrigins: options.corsOrigins ?? [],
    maxBatchSize: options.maxBatchSize,
    trustProxy: options.trustProxy,
  });
  const server = createServer(requestListener(app, logger)).listen(0, '127.0.0.1');
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
