import type { AppRouter } from '@repo/api';
import { TRPCClientError } from '@trpc/client';

/**
 * The session has ended and could not be renewed (revoked, expired, signed out
 * elsewhere): sign in again. It is a `TRPCClientError`, so generic tRPC error
 * handling still applies; when the server refused the renewal, `data` is that
 * refusal (`data.code === 'UNAUTHORIZED'`, `data.httpStatus === 401`).
 */
export class SessionExpiredError extends TRPCClientError<AppRouter> {
  override readonly name = 'SessionExpiredError';

  constructor(cause?: TRPCClientError<AppRouter>) {
    super('The session has ended; sign in again', {
      ...(cause ? { cause, meta: cause.meta } : {}),
      ...(cause?.shape ? { result: { error: cause.shape } } : {}),
    });
    // TRPCClientError's constructor pins its own prototype; restore ours so `instanceof` works.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Also true for a SessionExpiredError of another copy of this package (a duplicate in a bundle). */
export function isSessionExpiredError(error: unknown): error is SessionExpiredError {
  return error instanceof SessionExpiredError || (error instanceof Error && error.name === 'SessionExpiredError');
}

/** The server refused the call's credentials: a 401 (UNAUTHORIZED). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && (error as TRPCClientError<AppRouter>).data?.code === 'UNAUTHORIZED';
}

/** Whatever a link caught, as the TRPCClientError a link must fail with. */
export function toClientError(error: unknown): TRPCClientError<AppRouter> {
  if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
  return TRPCClientError.from<AppRouter>(error instanceof Error ? error : new Error(String(error)));
}
