import { z } from 'zod';
import { currentPasswordInvalid, errorExample as example } from '../../contract.js';
import { currentPasswordInput, newPasswordInput, revokedSessionsOutputSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const changePasswordInput = () =>
  z.object({ currentPassword: currentPasswordInput(), newPassword: newPasswordInput() });
export const changePasswordInputSchema = changePasswordInput();

export const changePassword = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/password',
        tags: ['users'],
        summary: 'Change the password, end every other session and retire every emailed link',
        description: 'A wrong `currentPassword` is a 400 naming that field (a 401 would read as an expired token).',
        successDescription: 'Changed; how many other sessions were ended',
      },
      isThrottled: true,
      errors: {
        400: currentPasswordInvalid({
          weakPassword: example('newPassword: must be 8 to 72 bytes of UTF-8', 'BAD_REQUEST'),
        }),
        429: {
          description: 'Too many wrong passwords for this user (shared with login); wait for `Retry-After` seconds',
        },
      },
    })
    .input(changePasswordInput())
    .output(revokedSessionsOutputSchema)
    .mutation(async ({ ctx, input }) => ({
      revokedSessions: await ctx.services.auth.changePassword(ctx.em, ctx.auth, input, ctx.request),
    }));
