import { z } from 'zod';
import {
  changePasswordInput,
  listUsersInput,
  publicUserSchema,
  revokedSessionsOutputSchema,
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
          successDescription: 'The user of the access token',
          errorResponses: { 401: 'Missing, malformed, expired or revoked access token' },
        },
      })
      .input(z.void())
      .output(publicUserSchema)
      // The session check already loaded the user (one query): nothing more to read.
      .query(({ ctx }) => toPublicUser(ctx.auth.user)),

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
          summary: 'Change the password and end every other session',
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
  });
}
