import { USER_ROLES } from '@repo/db';
import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { publicUserSchema, userIdInput } from '../../fields.js';
import { adminProcedure } from '../../trpc.js';

export const adminSetRoleInput = () =>
  userIdInput().extend({
    role: z.enum(USER_ROLES).meta({ description: 'The new role', example: 'admin' }),
  });
export const adminSetRoleInputSchema = adminSetRoleInput();

export const setRole = () =>
  adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/users/{id}/role',
        tags: ['admin'],
        summary: "Set a user's role",
        description: 'Takes effect on the user’s next call (roles are read on every call). Not on your own account.',
        successDescription: 'The user with the new role',
      },
      errors: {
        400: {
          description: 'Invalid id or role, or your own id; the message names the field',
          examples: {
            invalidRole: example('role: Invalid option: expected one of "user"|"admin"', 'BAD_REQUEST'),
            ownAccount: example('id: an admin cannot change their own role', 'BAD_REQUEST'),
          },
        },
        404: { description: 'No such user' },
        409: { description: 'The user is the last enabled admin: demoting them would leave none' },
      },
    })
    .input(adminSetRoleInput())
    .output(publicUserSchema)
    .mutation(({ ctx, input }) => ctx.services.admin.setRole(ctx.em, ctx.auth, input, ctx.request));
