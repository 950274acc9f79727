import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { successOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const resendVerification = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/email/verification',
        tags: ['users'],
        summary: 'Send the verification link of your pending address again',
        description: 'A new link retires the previous one, and the claim lives 24 hours from now.',
        successDescription: 'A new verification link is on its way',
      },
      isThrottled: true,
      sendsEmail: true,
      errors: {
        400: {
          description: 'No address is waiting for its link (the message names `email`)',
          examples: { nothingPending: example('email: there is no address waiting for its link', 'BAD_REQUEST') },
        },
        429: { description: 'Too many verification emails; wait for `Retry-After` seconds' },
      },
    })
    .input(z.void())
    .output(successOutputSchema)
    .mutation(async ({ ctx }) => {
      await ctx.services.email.resendVerification(ctx.em, ctx.auth, ctx.request);
      return { success: true as const };
    });
