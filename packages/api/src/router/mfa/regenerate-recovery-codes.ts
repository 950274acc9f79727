import { errorExample as example } from '../../contract.js';
import { mfaChangeInput, recoveryCodesOutputSchema } from '../../schemas.js';
import { protectedProcedure } from '../../trpc.js';

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
    .output(recoveryCodesOutputSchema)
    .mutation(async ({ ctx, input }) => ({
      recoveryCodes: await ctx.services.mfa.regenerateRecoveryCodes(ctx.em, ctx.auth, input, ctx.request),
    }));
