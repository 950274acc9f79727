import { ConnectionException, NotFoundError, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ACQUIRE_TIMEOUT_CODE } from '@repo/db';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { AppError, type AppErrorCode } from './errors.js';

const CODE_OF: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: 'BAD_REQUEST',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  INVALID_TOKEN: 'UNAUTHORIZED',
  SESSION_REVOKED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  USER_NOT_FOUND: 'NOT_FOUND',
  USERNAME_TAKEN: 'CONFLICT',
  LAST_ADMIN: 'CONFLICT',
  EMAIL_TAKEN: 'CONFLICT',
  MFA_STATE: 'CONFLICT',
  SESSION_NOT_FOUND: 'NOT_FOUND',
  EMAIL_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  PASSKEY_TAKEN: 'CONFLICT',
  PASSKEY_NOT_FOUND: 'NOT_FOUND',
  PROVIDER_NOT_FOUND: 'NOT_FOUND',
  PROVIDER_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  OIDC_REFUSED: 'BAD_REQUEST',
  NOT_LINKED: 'NOT_FOUND',
  ALREADY_LINKED: 'CONFLICT',
  LAST_SIGN_IN_METHOD: 'CONFLICT',
  THROTTLED: 'TOO_MANY_REQUESTS',
  DATABASE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/** Input that failed its zod schema, flattened to "field: problem" messages. */
export class InputValidationError extends Error {
  override name = 'InputValidationError';
  constructor(readonly fieldErrors: Record<string, string[]>) {
    super(
      Object.entries(fieldErrors)
        .map(([field, problems]) => `${field}: ${problems.join(', ')}`)
        .join('; '),
    );
  }
}

interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  input?: unknown;
}

function isZodError(cause: unknown): cause is Error & { issues: IssueLike[] } {
  return cause instanceof Error && cause.name === 'ZodError' && Array.isArray((cause as { issues?: unknown }).issues);
}

function fieldErrorsOf(issues: IssueLike[]): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const field = issue.path.map(String).join('.') || 'input';
    const message = /received undefined$/.test(issue.message) ? 'is required' : issue.message;
    fields[field] = [...(fields[field] ?? []), message];
  }
  return fields;
}

const UNAVAILABLE_CODES = new Set([
  // The network: refused, reset, unreachable, unknown or not yet resolvable host.
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // mysql2: the server closed the connection; a statement outlived its timeout.
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  // @repo/db: no pooled connection was free within the acquire timeout.
  ACQUIRE_TIMEOUT_CODE,
  // MySQL: too many connections; the server is shutting down.
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
]);

function isDatabaseUnavailable(cause: unknown): boolean {
  if (cause instanceof ConnectionException) return true;
  if (!(cause instanceof Error)) return false;
  const { code, fatal } = cause as { code?: unknown; fatal?: unknown };
  return (
    (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
    // mysql2 marks errors that killed the connection (e.g. a command sent on a closed one).
    fatal === true ||
    // Said only in the message: mysql2's pool and Kysely's driver, a query that
    // needed a connection while the ORM was closing; libsql, a database file
    // that cannot be opened (a volume gone, a permission lost).
    /^Pool is closed\.$|^driver has already been destroyed$|^ConnectionFailed\(/.test(cause.message)
  );
}

/**
 * The one place where failures become tRPC errors (and so HTTP statuses):
 * domain errors, MikroORM's exceptions and zod input errors.
 */
export function toTRPCError(error: TRPCError): TRPCError {
  const cause = error.cause;
  if (cause instanceof AppError) {
    return new TRPCError({ code: CODE_OF[cause.code], message: cause.message, cause });
  }
  if (cause instanceof UniqueConstraintViolationException) {
    // The index (MySQL) or column (SQLite) the database names tells which of the two it was.
    const taken = /(constraint failed: \S*email_key|for key '\S*email_key)/.test(cause.message)
      ? new AppError('EMAIL_TAKEN', 'email: is already in use', { field: 'email' })
      : new AppError('USERNAME_TAKEN', 'username: is already taken', { field: 'username' });
    return new TRPCError({ code: 'CONFLICT', message: taken.message, cause: taken });
  }
  if (cause instanceof NotFoundError) {
    return new TRPCError({ code: 'NOT_FOUND', message: 'Not found', cause });
  }
  if (error.code === 'BAD_REQUEST' && isZodError(cause)) {
    const invalid = new InputValidationError(fieldErrorsOf(cause.issues));
    return new TRPCError({ code: 'BAD_REQUEST', message: invalid.message, cause: invalid });
  }
  if (isDatabaseUnavailable(cause)) {
    const unavailable = new AppError('DATABASE_UNAVAILABLE', 'The database is unavailable; try again shortly');
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: unavailable.message, cause: unavailable });
  }
  return error;
}

/** Seconds a throttled caller must wait, if the error says so. */
export function retryAfterSecondsOf(error: TRPCError): number | undefined {
  return error.cause instanceof AppError ? error.cause.details.retryAfterSeconds : undefined;
}

/** Response headers implied by a call's errors (`Retry-After` for 429s). */
export function errorResponseHeaders(errors: readonly TRPCError[]): Record<string, string> {
  for (const error of errors) {
    const seconds = retryAfterSecondsOf(error);
    if (seconds !== undefined) return { 'Retry-After': String(seconds) };
  }
  return {};
}
