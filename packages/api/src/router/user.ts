import { z } from 'zod';
import {
  changePasswordInput,
  currentUserSchema,
  listUsersInput,
  publicUserSchema,
  revokedSessionsOutputSchema,
  setEmailInput,
  successOutputSchema,
  userIdInput,
  userPageSchema,
} from '../schemas.js';
import { toPublicUser } from '../services/auth.js';
import { findUserById, listUsers } from '../services/users.js';
import { protectedProcedure, router } from '../trpc.js';

const tags = ['users'];

/** The user procedures, built afresh on each call, input schemas included (see createAppRouter). */
export function createUserRouter() {
  return router({
    me: protectedProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/users/me',
          tags,
          summary: 'The signed-in user',
          description:
            'With the fields only the user sees: `email` (the verified address, or null), `emailVerified` and `pendingEmail` (an address waiting for its link, or null).',
          successDescription: 'The user of the access token',
          errorResponses: { 401: 'Missing, malformed, expired or revoked access token' },
        },
      })
      .input(z.void())
      .output(currentUserSchema)
      // The session check already read the user and its pending address (one round trip).
      .query(({ ctx }) => ({
        ...toPublicUser(ctx.auth.user),
        email: ctx.auth.user.email,
        emailVerified: ctx.auth.user.email !== null,
        pendingEmail: ctx.auth.user.pendingEmail,
      })),

    list: protectedProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/users',
          tags,
          summary: 'Users, oldest first, a page at a time',
          description: 'Pass `nextCursor` of a page as `cursor` to get the next one; it is null on the last page.',
          successDescription: 'A page of users',
          errorResponses: {
            400: 'Invalid `limit` or `cursor`',
            401: 'Missing, malformed, expired or revoked access token',
          },
        },
      })
      .input(listUsersInput())
      .output(userPageSchema)
      .query(({ ctx, input }) => listUsers(ctx.em, input)),

    byId: protectedProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/users/{id}',
          tags,
          summary: 'One user by id',
          successDescription: 'The user',
          errorResponses: {
            400: 'Invalid id',
            401: 'Missing, malformed, expired or revoked access token',
            404: 'No such user',
          },
        },
      })
      .input(userIdInput())
      .output(publicUserSchema)
      .query(({ ctx, input }) => findUserById(ctx.em, input.id)),

    changePassword: protectedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/users/me/password',
          tags,
          summary: 'Change the password, end every other session and retire every emailed link',
          description: 'A wrong `currentPassword` is a 400 naming that field (a 401 would read as an expired token).',
          successDescription: 'Changed; how many other sessions were ended',
          errorResponses: {
            400: 'Invalid input or wrong current password; the message names the field',
            401: 'Missing, malformed, expired or revoked access token',
            429: 'Too many wrong passwords for this user (shared with login); wait for `Retry-After` seconds',
          },
        },
      })
      .input(changePasswordInput())
      .output(revokedSessionsOutputSchema)
      .mutation(async ({ ctx, input }) => ({
        revokedSessions: await ctx.services.auth.changePassword(ctx.em, ctx.auth, input, ctx.request),
      })),

    setEmail: protectedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/users/me/email',
          tags,
          summary: 'Claim a new email address and send it a verification link',
          description:
            "Needs the current password (a wrong one counts against the login budget). The address is pending (`pendingEmail`) and blocks nobody until its link is followed (24 hours); the verified address stays the account's until then. Every link mailed before is retired. When another account has the address verified, that mailbox gets a notice instead of a link; the answer is the same.",
          successDescription: 'The address is pending and a verification link is on its way',
          errorResponses: {
            400: 'Invalid input or wrong current password; the message names the field',
            401: 'Missing, malformed, expired or revoked access token',
            429: 'Too many wrong passwords, or too many verification emails; wait for `Retry-After` seconds',
            503: 'Email is not configured on this server, or the database is unreachable',
          },
        },
      })
      .input(setEmailInput())
      .output(successOutputSchema)
      .mutation(async ({ ctx, input }) => {
        await ctx.services.email.setEmail(ctx.em, ctx.auth, input, ctx.request);
        return { success: true as const };
      }),

    resendVerification: protectedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/users/me/email/verification',
          tags,
          summary: 'Send the verification link of your pending address again',
          description: 'A new link retires the previous one, and the claim lives 24 hours from now.',
          successDescription: 'A new verification link is on its way',
          errorResponses: {
            400: 'No address is waiting for its link (the message names `email`)',
            401: 'Missing, malformed, expired or revoked access token',
            429: 'Too many verification emails; wait for `Retry-After` seconds',
            503: 'Email is not configured on this server, or the database is unreachable',
          },
        },
      })
      .input(z.void())
      .output(successOutputSchema)
      .mutation(async ({ ctx }) => {
        await ctx.services.email.resendVerification(ctx.em, ctx.auth, ctx.request);
        return { success: true as const };
      }),
  });
}
