import { z } from 'zod';
import { mfaStatusSchema } from '../../schemas.js';
import { protectedProcedure } from '../../trpc.js';

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
