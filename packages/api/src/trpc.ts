import { trace } from '@opentelemetry/api';
import { getTRPCErrorFromUnknown, initTRPC, TRPCError } from '@trpc/server';
import type { Context, ProcedureCall } from './context.js';
import type { ProcedureMeta } from './contract.js';
import { applyCookieMode, cookieModeRefusal } from './cookie-mode.js';
import { InputValidationError, retryAfterSecondsOf, toTRPCError } from './error-mapping.js';
import { AppError } from './errors.js';
import { inSpan } from './tracing.js';

const tracer = trace.getTracer('@repo/api');

const t = initTRPC
  .context<Context>()
  // What a procedure says about itself: its route, errors and flags (contract.ts).
  .meta<ProcedureMeta>()
  .create({
    // Never ship stack traces, whatever NODE_ENV says.
    isDev: false,
    errorFormatter({ shape, error }) {
      const isInternal = error.code === 'INTERNAL_SERVER_ERROR';
      const retryAfterSeconds = retryAfterSecondsOf(error);
      return {
        // Unexpected errors may carry SQL or paths in their message.
        message: isInternal ? 'Internal server error' : shape.message,
        code: shape.code,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          ...(error.cause instanceof InputValidationError ? { fieldErrors: error.cause.fieldErrors } : {}),
          ...(error.cause instanceof AppError && error.cause.details.field ? { field: error.cause.details.field } : {}),
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Before any procedure runs: a forged cross-site request does nothing at all. */
function refuseForgedCall(ctx: Context): void {
  // A bearer call carries no cookie port, and so has nothing to refuse.
  const refusal = ctx.cookies && cookieModeRefusal(ctx.cookies);
  if (refusal) throw toTRPCError(new TRPCError({ code: 'BAD_REQUEST', cause: refusal }));
}

/**
 * Runs a call, telling the observer (the server's metrics) how long it took
 * and how it ended. Without an observer it adds nothing to the call.
 */
function observed<T>(ctx: Context, path: string, type: ProcedureCall['type'], run: () => Promise<T>): Promise<T> {
  // A span per procedure, the HTTP request's child (when the server traces), however the call came in.
  const call = () =>
    inSpan(tracer, `trpc ${path}`, { 'rpc.system': 'trpc', 'rpc.method': path, 'rpc.trpc.type': type }, run);
  const report = ctx.services.observer?.procedureFinished;
  if (!report) return call();
  const started = performance.now();
  return call().then(
    (result) => {
      report({ path, type, durationMs: performance.now() - started, errorCode: undefined });
      return result;
    },
    (error: unknown) => {
      const errorCode = error instanceof TRPCError ? error.code : 'INTERNAL_SERVER_ERROR';
      report({ path, type, durationMs: performance.now() - started, errorCode });
      throw error;
    },
  );
}

/**
 * What the rest of the call returned, cookie mode's part done (the
 * procedure's meta says what it does with the cookie), and whatever went
 * wrong (input validation included) mapped into a tRPC error.
 */
function finished<R extends { ok: true; data: unknown } | { ok: false; error: TRPCError }>(
  ctx: Context,
  meta: ProcedureMeta | undefined,
  result: R,
): R {
  const done = ctx.cookies ? applyCookieMode(meta?.cookieMode, ctx.cookies, result) : result;
  if (!done.ok) throw toTRPCError(done.error);
  return done;
}

/**
 * Every procedure starts here. It gives each call its own EntityManager fork
 * (tRPC shares one context across a batch), an audit scope on it, and maps whatever went wrong,
 * including input validation, which runs inside it, into a tRPC error.
 */
export const publicProcedure = t.procedure.meta({ access: 'public' }).use(({ ctx, meta, path, type, next }) =>
  observed(ctx, path, type, async () => {
    refuseForgedCall(ctx);
    const em = ctx.em.fork();
    // The security events of the call are appended to the audit log when it ends, however it ends.
    return finished(
      ctx,
      meta,
      await ctx.services.audit.scoped(em, undefined, ctx.request, () => next({ ctx: { em } })),
    );
  }),
);

function bearerTokenOf(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

async function signedIn(ctx: Context, em: Context['em']) {
  const token = bearerTokenOf(ctx.authorization);
  if (!token) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Missing or malformed Authorization header; expected "Bearer <accessToken>"',
    });
  }
  try {
    return await ctx.services.auth.authenticate(em, token);
  } catch (cause) {
    throw toTRPCError(getTRPCErrorFromUnknown(cause));
  }
}

/**
 * Signed in: a valid access token whose session is alive in the database,
 * checked on every call. What `publicProcedure` does and the check, in one
 * middleware rather than two: each one tRPC walks through costs every call
 * (`pnpm bench`).
 */
export const protectedProcedure = t.procedure.meta({ access: 'protected' }).use(({ ctx, meta, path, type, next }) =>
  observed(ctx, path, type, async () => {
    refuseForgedCall(ctx);
    const em = ctx.em.fork();
    const auth = await signedIn(ctx, em);
    const result = await ctx.services.audit.scoped(em, auth.user.id, ctx.request, () => next({ ctx: { em, auth } }));
    return finished(ctx, meta, result);
  }),
);

/** Signed in as an admin. */
export const adminProcedure = protectedProcedure.meta({ access: 'admin' }).use(({ ctx, next }) => {
  if (ctx.auth.user.role !== 'admin') throw new AppError('FORBIDDEN', 'This needs the admin role');
  return next();
});
