import { errorExample as example } from '../../contract.js';
import { adminDisableUserInput, adminDisableUserOutputSchema } from '../../schemas.js';
import { adminProcedure } from '../../trpc.js';

export const disableUser = () =>
  adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/admin/users/{id}/disable',
        tags: ['admin'],
        summary: 'Disable a user and end their sessions',
        description:
          'Every session of the user ends at once; signing in then answers as for a wrong password. Disabling a disabled user changes nothing but ends any session left. Not on your own account.',
        successDescription: 'Disabled; how many sessions were ended',
      },
      errors: {
        400: {
          description: 'Invalid id, or your own id; the message names the field',
          examples: { ownAccount: example('id: an admin cannot disable their own account', 'BAD_REQUEST') },
        },
        404: { description: 'No such user' },
        409: { description: 'The user is the last enabled admin: disabling them would leave none' },
      },
    })
    .input(adminDisableUserInput())
    .output(adminDisableUserOutputSchema)
    .mutation(({ ctx, input }) => ctx.services.admin.disableUser(ctx.em, ctx.auth, input, ctx.request));
