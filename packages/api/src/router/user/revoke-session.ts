import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { isPrintable, successOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const sessionIdInput = () =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64, 'is not a valid session id')
      .refine(isPrintable, 'is not a valid session id')
      .meta({ description: 'Session id', example: '019ac0a5-1c2d-7e3f-8a4b-5c6d7e8f9a0b' }),
  });

export const revokeSession = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/sessions/{id}/revoke',
        tags: ['users'],
        summary: 'Sign out one of your devices',
        description:
          'The session ends at once: its access and refresh tokens are refused from then on, on every instance.',
        successDescription: 'The session has ended',
      },
      errors: {
        400: {
          description: 'Invalid id',
          examples: { invalidId: example('id: is not a valid session id', 'BAD_REQUEST') },
        },
        404: {
          description: 'No live session of yours has this id',
          examples: { noSuchSession: example('No such session', 'NOT_FOUND') },
        },
      },
    })
    .input(sessionIdInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.auth.revokeSession(ctx.em, ctx.auth, input.id, ctx.request);
      return { success: true as const };
    });
