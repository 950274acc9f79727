import { z } from 'zod';
import { EXAMPLE_PASSKEY_ID, passkeySchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const passkeyListSchema = z.array(passkeySchema).meta({
  description: "The signed-in user's passkeys, oldest first",
  example: [{ id: EXAMPLE_PASSKEY_ID, name: 'Laptop', createdAt: '2026-12-01T09:00:00.000Z', lastUsedAt: null }],
});

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
