import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { sessionModeRefusal } from './browser-session.js';
import type { Context } from './context.js';
import { InputValidationError, retryAfterSecondsOf, toTRPCError } from './error-mapping.js';
import { AppError } from './errors.js';

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
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

/**
 * Every procedure starts here. It gives each call its own EntityManager fork
 * (tRPC shares one context across a batch) and maps whatever went wrong,
 * including input validation, which runs inside it, into a tRPC error.
 */
export const publicProcedure = t.procedure.use(async ({ ctx, next }) => {
  // Before any procedure runs: a forged cross-site request does nothing at all.
  const refusal = sessionModeRefusal(ctx.browserSession);
  if (refusal) throw toTRPCError(new TRPCError({ code: 'BAD_REQUEST', cause: refusal }));
  const result = await next({ ctx: { em: ctx.em.fork() } });
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

function bearerTokenOf(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

/** Signed in: a valid access token whose session is alive in the database, checked on every call. */
export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const token = bearerTokenOf(ctx.authorization);
  if (!token) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Missing or malformed Authorization header; expected "Bearer <accessToken>"',
    });
  }
  const auth = await ctx.services.auth.authenticate(ctx.em, token);
  return next({ ctx: { auth } });
});

/** Signed in as an admin. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.auth.user.role !== 'admin') throw new AppError('FORBIDDEN', 'This needs the admin role');
  return next();
});
