import {
  adminDisableUserInputSchema,
  adminDisableUserOutputSchema,
  adminSetRoleInputSchema,
  adminSetRoleOutputSchema,
} from '../schemas.js';
import { disableUser, setRole } from '../services/admin.js';
import { adminProcedure, router } from '../trpc.js';

const tags = ['admin'];

export const adminRouter = router({
  setRole: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/set-role',
        tags,
        protect: true,
        summary: 'Set role',
        description: 'Made by `pnpm turbo gen procedure`: say here what `admin.setRole` does.',
        successDescription: 'The result',
        errorResponses: {
          400: 'Invalid input; the message names the field',
          401: 'Missing, malformed, expired or revoked access token',
          403: 'Signed in without the admin role',
        },
      },
    })
    .input(adminSetRoleInputSchema)
    .output(adminSetRoleOutputSchema)
    .mutation(({ ctx, input }) => setRole(ctx.em, ctx.auth, input)),

  disableUser: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/disable-user',
        tags,
        protect: true,
        summary: 'Disable user',
        description: 'Made by `pnpm turbo gen procedure`: say here what `admin.disableUser` does.',
        successDescription: 'The result',
        errorResponses: {
          400: 'Invalid input; the message names the field',
          401: 'Missing, malformed, expired or revoked access token',
          403: 'Signed in without the admin role',
        },
      },
    })
    .input(adminDisableUserInputSchema)
    .output(adminDisableUserOutputSchema)
    .mutation(({ ctx, input }) => disableUser(ctx.em, ctx.auth, input)),
});
