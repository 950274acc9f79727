import { errorExample as example } from '../../contract.js';
import { providerInput, successOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const unlinkAccount = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/users/me/linked-accounts/{provider}',
        tags: ['users'],
        summary: 'Unlink an account at an identity provider',
        description:
          'Refused (409) when it is the only way to sign in: an account with no password and no other link keeps its last link.',
        successDescription: 'Unlinked: that provider account no longer signs in here',
      },
      errors: {
        404: {
          description: 'This account has no link to that provider',
          examples: { notLinked: example('This account has no link to "google"', 'NOT_FOUND') },
        },
        409: {
          description: 'The link is the last way to sign in (no password, no other link)',
          examples: {
            lastWayIn: example(
              'This link is the only way to sign in to this account: set a password (reset it by email) or link another provider first',
              'CONFLICT',
            ),
          },
        },
      },
    })
    .input(providerInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.oidc.unlink(ctx.em, ctx.auth, input.provider, ctx.request);
      return { success: true as const };
    });
