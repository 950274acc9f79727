import { errorExample as example } from '../../contract.js';
import { passkeyIdInput } from '../../passkey-schemas.js';
import { successOutputSchema } from '../../schemas.js';
import { protectedProcedure } from '../../trpc.js';

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
