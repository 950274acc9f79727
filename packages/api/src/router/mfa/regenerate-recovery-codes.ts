import { recoveryCodesOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';
import { mfaChangeErrors, mfaChangeInput } from './change.js';

export const regenerateRecoveryCodes = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/mfa/recovery-codes',
        tags: ['mfa'],
        summary: 'Make a new set of recovery codes',
        description:
          'Needs the password and a code of the authenticator app (or a recovery code). The earlier set stops working; a notice goes to the verified address.',
        successDescription: 'The new recovery codes, shown this once',
      },
      isThrottled: true,
      errors: mfaChangeErrors,
    })
    .input(mfaChangeInput())
    .output(recoveryCodesOutputSchema)
    .mutation(async ({ ctx, input }) => ({
      recoveryCodes: await ctx.services.mfa.regenerateRecoveryCodes(ctx.em, ctx.auth, input, ctx.request),
    }));
