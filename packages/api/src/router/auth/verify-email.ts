import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { emailedTokenSchema, successOutputSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const verifyEmailInput = () => z.object({ token: emailedTokenSchema });
export const verifyEmailInputSchema = verifyEmailInput();

export const verifyEmail = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/verify-email',
        tags: ['auth'],
        summary: 'Confirm an email address with the token of its link',
        description:
          "The token works once, for 24 hours, and only while it is the newest link of the account. Its address becomes the account's verified address (the previous one gets a notice), unless another account verified it first: then 409, and nothing changes.",
        successDescription: 'The address is verified',
      },
      sendsEmail: true,
      errors: {
        400: {
          description: 'Invalid input, or a token that is invalid, expired or already used (the message names `token`)',
          examples: { badToken: example('token: is invalid, expired or already used', 'BAD_REQUEST') },
        },
        409: {
          description: 'Another account verified this address first (the message names `email`)',
          examples: { emailTaken: example('email: is already verified on another account', 'CONFLICT') },
        },
      },
    })
    .input(verifyEmailInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.email.verifyEmail(ctx.em, input.token, ctx.request);
      return { success: true as const };
    });
