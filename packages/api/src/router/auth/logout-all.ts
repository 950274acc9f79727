import { z } from 'zod';
import { revokedSessionsOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const logoutAll = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/logout-all',
        tags: ['auth'],
        summary: 'End every session of the signed-in user',
        description: 'The current session included: every access and refresh token of the user is refused from now on.',
        successDescription: 'Every session has ended; how many there were',
      },
      cookieMode: 'clears',
    })
    .input(z.void())
    .output(revokedSessionsOutputSchema)
    .mutation(async ({ ctx }) => {
      const revokedSessions = await ctx.services.auth.logoutAll(ctx.em, ctx.auth, ctx.request);
      return { revokedSessions };
    });
