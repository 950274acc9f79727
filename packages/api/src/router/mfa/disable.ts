import { errorExample as example } from '../../contract.js';
import { mfaChangeInput, successOutputSchema } from '../../schemas.js';
import { protectedProcedure } from '../../trpc.js';

export const disable = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/mfa/disable',
        tags: ['mfa'],
        summary: 'Turn TOTP off',
        description:
          'Needs the password and a code of the authenticator app (or a recovery code). The recovery codes stop working too; a notice goes to the verified address.',
        successDescription: 'TOTP is off',
      },
      isThrottled: true,
      errors: {
        400: {
          description: 'Wrong current password or wrong code; the message names the field',
          examples: {
            wrongPassword: example('currentPassword: is incorrect', 'BAD_REQUEST'),
            wrongCode: example('code: is incorrect', 'BAD_REQUEST'),
          },
        },
        409: { description: 'TOTP is not on', examples: { notOn: example('TOTP is not on', 'CONFLICT') } },
        429: { description: 'Too many wrong codes or passwords for this user; wait for `Retry-After` seconds' },
      },
    })
    .input(mfaChangeInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.mfa.disable(ctx.em, ctx.auth, input, ctx.request);
      return { success: true as const };
    });
