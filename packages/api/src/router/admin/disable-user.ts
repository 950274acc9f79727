import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { EXAMPLE_OTHER_USER, userIdInput } from '../../fields.js';
import { adminProcedure } from '../../trpc.js';

export const adminDisableUserInput = userIdInput;
export const adminDisableUserInputSchema = adminDisableUserInput();

export const adminDisableUserOutputSchema = z
  .object({
    id: z.string().meta({ description: 'The user disabled' }),
    disabledAt: z.iso
      .datetime()
      .meta({ description: 'ISO-8601 time it was disabled (the first time, if disabled twice)' }),
    revokedSessions: z.number().int().meta({ description: 'How many of its sessions this call ended' }),
  })
  .meta({
    id: 'DisabledUser',
    description: 'A user who can no longer sign in, and whose sessions have ended',
    example: { id: EXAMPLE_OTHER_USER.id, disabledAt: '2026-11-27T09:30:00.000Z', revokedSessions: 2 },
  });

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
