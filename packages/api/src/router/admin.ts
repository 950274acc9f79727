import {
  adminDisableUserInput,
  adminDisableUserOutputSchema,
  adminSetRoleInput,
  publicUserSchema,
} from '../schemas.js';
import { adminProcedure, router } from '../trpc.js';

const tags = ['admin'];

/** The admin procedures, built afresh on each call, input schemas included (see createAppRouter). */
export function createAdminRouter() {
  return router({
    setRole: adminProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/admin/users/{id}/role',
          tags,
          protect: true,
          summary: "Set a user's role",
          description: 'Takes effect on the user’s next call (roles are read on every call). Not on your own account.',
          successDescription: 'The user with the new role',
          errorResponses: {
            400: 'Invalid id or role, or your own id; the message names the field',
            401: 'Missing, malformed, expired or revoked access token',
            403: 'Signed in without the admin role',
            404: 'No such user',
            409: 'The user is the last enabled admin: demoting them would leave none',
          },
        },
      })
      .input(adminSetRoleInput())
      .output(publicUserSchema)
      .mutation(({ ctx, input }) => ctx.services.admin.setRole(ctx.em, ctx.auth, input, ctx.request)),

    disableUser: adminProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/admin/users/{id}/disable',
          tags,
          protect: true,
          summary: 'Disable a user and end their sessions',
          description:
            'Every session of the user ends at once; signing in then answers as for a wrong password. Disabling a disabled user changes nothing but ends any session left. Not on your own account.',
          successDescription: 'Disabled; how many sessions were ended',
          errorResponses: {
            400: 'Invalid id, or your own id; the message names the field',
            401: 'Missing, malformed, expired or revoked access token',
            403: 'Signed in without the admin role',
            404: 'No such user',
            409: 'The user is the last enabled admin: disabling them would leave none',
          },
        },
      })
      .input(adminDisableUserInput())
      .output(adminDisableUserOutputSchema)
      .mutation(({ ctx, input }) => ctx.services.admin.disableUser(ctx.em, ctx.auth, input, ctx.request)),
  });
}
