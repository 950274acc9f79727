import { z } from 'zod';
import {
  credentialsInput,
  logoutOutputSchema,
  refreshInput,
  revokedSessionsOutputSchema,
  tokenPairSchema,
} from '../schemas.js';
import { protectedProcedure, publicProcedure, router } from '../trpc.js';

const tags = ['auth'];

/** The auth procedures, built afresh on each call, input schemas included (see createAppRouter). */
export function createAuthRouter() {
  // One instance for both: its OpenAPI id (Credentials) names one schema.
  const credentials = credentialsInput();
  return router({
    register: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/register',
          tags,
          protect: false,
          summary: 'Create an account and sign in',
          description: 'Returns a token pair for a new session, like login.',
          successDescription: 'The account is created and signed in',
          errorResponses: {
            400: 'Invalid input; the message names the field',
            409: 'Username taken (in any letter case)',
          },
        },
      })
      .input(credentials)
      .output(tokenPairSchema)
      .mutation(({ ctx, input }) => ctx.services.auth.register(ctx.em, input, ctx.request)),

    login: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/login',
          tags,
          protect: false,
          summary: 'Sign in with a username and password',
          description:
            'A wrong password and an unknown username get the same answer. Repeated failures are throttled (429 with `Retry-After`).',
          successDescription: 'Signed in: the token pair of a new session',
          errorResponses: {
            400: 'Invalid input; the message names the field',
            401: 'Wrong username or password',
            429: 'Too many failed logins; wait for `Retry-After` seconds',
          },
        },
      })
      .input(credentials)
      .output(tokenPairSchema)
      .mutation(({ ctx, input }) => ctx.services.auth.login(ctx.em, input, ctx.request)),

    refresh: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/refresh',
          tags,
          protect: false,
          summary: 'Exchange a refresh token for a new token pair',
          description:
            'Rotates the refresh token: the one sent is retired. Presenting a retired refresh token again revokes the whole session.',
          successDescription: 'A new token pair; the refresh token sent is retired',
          errorResponses: {
            400: 'Invalid input; the message names the field',
            401: 'Invalid, expired, retired or revoked refresh token',
          },
        },
      })
      .input(refreshInput())
      .output(tokenPairSchema)
      .mutation(({ ctx, input }) => ctx.services.auth.refresh(ctx.em, input.refreshToken, ctx.request)),

    logout: protectedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/logout',
          tags,
          summary: 'End the current session',
          description: 'Its access and refresh tokens are refused from now on; other sessions stay signed in.',
          successDescription: 'The session has ended',
          errorResponses: { 401: 'Missing, malformed, expired or revoked access token' },
        },
      })
      .input(z.void())
      .output(logoutOutputSchema)
      .mutation(async ({ ctx }) => {
        await ctx.services.auth.logout(ctx.em, ctx.auth, ctx.request);
        return { success: true as const };
      }),

    logoutAll: protectedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/logout-all',
          tags,
          summary: 'End every session of the signed-in user',
          description:
            'The current session included: every access and refresh token of the user is refused from now on.',
          successDescription: 'Every session has ended; how many there were',
          errorResponses: { 401: 'Missing, malformed, expired or revoked access token' },
        },
      })
      .input(z.void())
      .output(revokedSessionsOutputSchema)
      .mutation(async ({ ctx }) => ({
        revokedSessions: await ctx.services.auth.logoutAll(ctx.em, ctx.auth, ctx.request),
      })),
  });
}
