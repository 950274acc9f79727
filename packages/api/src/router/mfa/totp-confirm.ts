import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { recoveryCodesOutputSchema, totpCodeSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const totpConfirmInput = () => z.object({ code: totpCodeSchema });

export const totpConfirm = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/mfa/totp/confirm',
        tags: ['mfa'],
        summary: 'Turn TOTP on with a first code of the pending secret',
        description:
          'From now on a sign-in asks for a code. Answers ten recovery codes, shown this once. A wrong code counts against the login budgets.',
        successDescription: 'TOTP is on; the recovery codes',
      },
      isThrottled: true,
      errors: {
        400: {
          description: 'A wrong or already used code (the message names `code`)',
          examples: { wrongCode: example('code: is incorrect', 'BAD_REQUEST') },
        },
        409: {
          description: 'No setup is waiting for a code, or TOTP is already on',
          examples: {
            noSetup: example('No TOTP setup is waiting for a code; start with the setup', 'CONFLICT'),
          },
        },
        429: { description: 'Too many wrong codes or passwords for this user; wait for `Retry-After` seconds' },
      },
    })
    .input(totpConfirmInput())
    .output(recoveryCodesOutputSchema)
    .mutation(async ({ ctx, input }) => ({
      recoveryCodes: await ctx.services.mfa.confirmTotp(ctx.em, ctx.auth, input.code, ctx.request),
    }));
