import { z } from 'zod';
import { protectedProcedure } from '../../trpc.js';

export const mfaStatusSchema = z
  .object({
    totp: z.boolean().meta({ description: 'Whether sign-in asks for a code of an authenticator app' }),
    recoveryCodesLeft: z.int().meta({ description: 'Recovery codes not used yet' }),
  })
  .meta({ id: 'MfaStatus', description: 'Your second factor', example: { totp: true, recoveryCodesLeft: 10 } });

export const status = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/me/mfa',
        tags: ['mfa'],
        summary: 'Your second factor',
        successDescription: 'Whether TOTP is on, and how many recovery codes are left',
      },
    })
    .input(z.void())
    .output(mfaStatusSchema)
    .query(({ ctx }) => ctx.services.mfa.status(ctx.em, ctx.auth));
