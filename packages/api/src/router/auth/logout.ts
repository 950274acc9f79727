import { z } from 'zod';
import { protectedProcedure } from '../../trpc.js';

export const logoutOutputSchema = z
  .object({ success: z.literal(true) })
  .meta({ id: 'LogoutResult', description: 'The session has ended', example: { success: true } });

export const logout = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/logout',
        tags: ['auth'],
        summary: 'End the current session',
        description: 'Its access and refresh tokens are refused from now on; other sessions stay signed in.',
        successDescription: 'The session has ended',
      },
      cookieMode: 'clears',
    })
    .input(z.void())
    .output(logoutOutputSchema)
    .mutation(async ({ ctx }) => {
      await ctx.services.auth.logout(ctx.em, ctx.auth, ctx.request);
      return { success: true as const };
    });
