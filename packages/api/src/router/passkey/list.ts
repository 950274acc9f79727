import { z } from 'zod';
import { passkeyListSchema } from '../../passkey-schemas.js';
import { protectedProcedure } from '../../trpc.js';

export const list = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/me/passkeys',
        tags: ['passkeys'],
        summary: 'Your passkeys',
        successDescription: 'Your passkeys, oldest first',
      },
    })
    .input(z.void())
    .output(passkeyListSchema)
    .query(({ ctx }) => ctx.services.passkeys.list(ctx.em, ctx.auth));
