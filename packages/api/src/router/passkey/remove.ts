import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { EXAMPLE_PASSKEY_ID, successOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const passkeyIdInput = () =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64, 'is not a valid passkey id')
      .regex(/^[0-9A-Za-z-]+$/, 'is not a valid passkey id')
      .meta({ description: 'Passkey id (from `passkey.list`)', example: EXAMPLE_PASSKEY_ID }),
  });

export const remove = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/users/me/passkeys/{id}',
        tags: ['passkeys'],
        summary: 'Remove one of your passkeys',
        description: 'It can no longer sign in. A notice goes to your verified address.',
        successDescription: 'Removed',
      },
      errors: {
        404: {
          description: 'You have no passkey of this id (another user’s is not yours to see)',
          examples: { notFound: example('No such passkey', 'NOT_FOUND') },
        },
      },
    })
    .input(passkeyIdInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.passkeys.remove(ctx.em, ctx.auth, input.id, ctx.request);
      return { success: true as const };
    });
