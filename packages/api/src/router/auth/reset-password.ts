import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { emailedTokenSchema, newPasswordInput, successOutputSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const resetPasswordInput = () => z.object({ token: emailedTokenSchema, newPassword: newPasswordInput() });
export const resetPasswordInputSchema = resetPasswordInput();

export const resetPassword = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/password-reset/confirm',
        tags: ['auth'],
        summary: 'Set a new password with the token of a reset link',
        description:
          "The token works once, and only while the account's verified address is the one it was sent to. Every session of the user ends and every other link mailed to it is retired: sign in with the new password.",
        successDescription: 'The password is changed and every session has ended',
      },
      sendsEmail: true,
      errors: {
        400: {
          description: 'Invalid input, or a token that is invalid, expired or already used (the message names `token`)',
          examples: {
            badToken: example('token: is invalid, expired or already used', 'BAD_REQUEST'),
            weakPassword: example('newPassword: must be 8 to 72 bytes of UTF-8', 'BAD_REQUEST'),
          },
        },
      },
    })
    .input(resetPasswordInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.email.resetPassword(ctx.em, input, ctx.request);
      return { success: true as const };
    });
