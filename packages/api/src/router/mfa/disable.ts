import { successOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';
import { mfaChangeErrors, mfaChangeInput } from './change.js';

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
      errors: mfaChangeErrors,
    })
    .input(mfaChangeInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.mfa.disable(ctx.em, ctx.auth, input, ctx.request);
      return { success: true as const };
    });
