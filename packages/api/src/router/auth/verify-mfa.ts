import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { EXAMPLE_MFA_TOKEN, EXAMPLE_RECOVERY_CODE, tokenPairSchema, totpCodeSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

const mfaTokenSchema = z
  .string()
  .min(1, 'is required')
  .max(128, 'is invalid or expired')
  .meta({ description: '`mfaToken` of the login answer', example: EXAMPLE_MFA_TOKEN });

/** A recovery code as shown (letter case, spaces and dashes do not matter). */
export const recoveryCodeSchema = z
  .string()
  .min(1, 'is required')
  .max(64, 'is invalid or already used')
  .meta({ description: 'One of your recovery codes (each works once)', example: EXAMPLE_RECOVERY_CODE });

export const verifyMfaInput = () =>
  z
    .object({
      mfaToken: mfaTokenSchema,
      code: totpCodeSchema.optional(),
      recoveryCode: recoveryCodeSchema.optional(),
    })
    .refine((input) => (input.code === undefined) !== (input.recoveryCode === undefined), {
      message: 'send exactly one of code and recoveryCode',
      path: ['code'],
    })
    .meta({
      id: 'MfaAnswer',
      description: '`mfaToken` with either `code` (authenticator app) or `recoveryCode`',
      example: { mfaToken: EXAMPLE_MFA_TOKEN, code: '492039' },
    });

export const verifyMfa = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/mfa',
        tags: ['auth'],
        summary: 'Finish a sign-in with the second factor',
        description:
          'The `mfaToken` of the login answer with `code` (the authenticator app) or `recoveryCode`. The token lives 5 minutes, works once and allows 5 wrong codes; wrong codes count against the login budgets.',
        successDescription: 'Signed in: the token pair of a new session',
      },
      cookieMode: 'sets',
      isThrottled: true,
      errors: {
        400: {
          description: 'Invalid input (a code that is not 6 digits; neither or both of code and recoveryCode)',
          examples: { badCode: example('code: must be the 6 digits your authenticator app shows', 'BAD_REQUEST') },
        },
        401: {
          description: 'A wrong code, or an mfaToken that is invalid, expired, used or out of attempts',
          examples: {
            wrongCode: example('Invalid code or expired sign-in; sign in again', 'UNAUTHORIZED'),
          },
        },
        429: { description: 'Too many failed attempts for this username or address; wait for `Retry-After` seconds' },
      },
    })
    .input(verifyMfaInput())
    .output(tokenPairSchema)
    .mutation(async ({ ctx, input }) => ctx.services.mfa.verifySignIn(ctx.em, input, ctx.request, ctx.client));
