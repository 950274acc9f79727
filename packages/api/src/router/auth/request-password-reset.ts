import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { emailSchema, successOutputSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const requestPasswordResetInput = () =>
  z.object({
    email: emailSchema.meta({ description: 'The verified address of the account', example: 'alice@example.com' }),
  });
export const requestPasswordResetInputSchema = requestPasswordResetInput();

export const requestPasswordReset = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/password-reset',
        tags: ['auth'],
        summary: 'Email a password-reset link',
        description:
          "The link goes only to an account's verified address; the answer is the same, in about the same time, whatever the address. The link opens the web app at `#/reset-password?token=…` and works once, for 30 minutes; a newer request retires it.",
        successDescription: 'Accepted (whether or not a link was sent)',
      },
      isThrottled: true,
      sendsEmail: true,
      errors: {
        400: {
          examples: {
            invalidEmail: example('email: must be an email address such as alice@example.com', 'BAD_REQUEST'),
          },
        },
        429: {
          description: 'Too many requests for this address or from this client; wait for `Retry-After` seconds',
          examples: {
            throttled: example('Too many password reset requests; try again in 600 s', 'TOO_MANY_REQUESTS'),
          },
        },
      },
    })
    .input(requestPasswordResetInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.email.requestPasswordReset(ctx.em, input.email, ctx.request);
      return { success: true as const };
    });
