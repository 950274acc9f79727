import { createAdminRouter } from './router/admin/index.js';
import { createAuthRouter } from './router/auth/index.js';
import { createMfaRouter } from './router/mfa/index.js';
import { createPasskeyRouter } from './router/passkey/index.js';
import { createUserRouter } from './router/user/index.js';
import { createCallerFactory, router } from './trpc.js';

/**
 * The API's router, built afresh on each call, input schemas included. The
 * REST bridge is given one of its own: trpc-to-openapi's middleware makes the
 * number, boolean and date fields of the input schemas it serves coercing,
 * in place, and on a shared schema tRPC would then accept `{ limit: "5" }`.
 */
export function createAppRouter() {
  return router({
    auth: createAuthRouter(),
    user: createUserRouter(),
    passkey: createPasskeyRouter(),
    admin: createAdminRouter(),
    mfa: createMfaRouter(),
  });
}

export const appRouter = createAppRouter();

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
