import { z } from 'zod';
import { currentPasswordInvalid } from '../../contract.js';
import { currentPasswordInput, emailSchema, successOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const setEmailInput = () => z.object({ email: emailSchema, currentPassword: currentPasswordInput() });
export const setEmailInputSchema = setEmailInput();

export const setEmail = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/email',
        tags: ['users'],
        summary: 'Claim a new email address and send it a verification link',
        description:
          "Needs the current password (a wrong one counts against the login budget). The address is pending (`pendingEmail`) and blocks nobody until its link is followed (24 hours); the verified address stays the account's until then. Every link mailed before is retired. When another account has the address verified, that mailbox gets a notice instead of a link; the answer is the same.",
        successDescription: 'The address is pending and a verification link is on its way',
      },
      isThrottled: true,
      sendsEmail: true,
      errors: {
        400: currentPasswordInvalid(),
        429: {
          description: 'Too many wrong passwords, or too many verification emails; wait for `Retry-After` seconds',
        },
      },
    })
    .input(setEmailInput())
    .output(successOutputSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.email.setEmail(ctx.em, ctx.auth, input, ctx.request);
      return { success: true as const };
    });
