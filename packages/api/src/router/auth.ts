import { z } from 'zod';
import { deliverTokenPair, refreshTokenFromCookie } from '../browser-session.js';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import {
  credentialsInput,
  logoutOutputSchema,
  refreshInput,
  registerInput,
  requestPasswordResetInput,
  resetPasswordInput,
  revokedSessionsOutputSchema,
  successOutputSchema,
  tokenPairSchema,
  verifyEmailInput,
} from '../schemas.js';
import { protectedProcedure, publicProcedure, router } from '../trpc.js';

const tags = ['auth'];

/** Every call of these procedures in cookie mode: the header's documentation (the cookie's is in openapi.ts). */
const COOKIE_MODE =
  ' With `X-Session-Mode: cookie` (browser apps), the refresh token is set as an HttpOnly cookie instead of returned in the body.';

/** In cookie mode, signing out also ends the cookie (Max-Age=0). */
function clearCookieInCookieMode(ctx: Pick<Context, 'browserSession'>): void {
  if (ctx.browserSession.mode === 'cookie') ctx.browserSession.outbox.clear();
}

/** The auth procedures, built afresh on each call, input schemas included (see createAppRouter). */
export function createAuthRouter() {
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
          description: `Returns a token pair for a new session, like login. With an \`email\`, a verification link is sent to it: the address is pending (it blocks nobody) until the link is followed.${COOKIE_MODE}`,
          successDescription: 'The account is created and signed in',
          errorResponses: {
            400: 'Invalid input; the message names the field',
            409: 'Username taken (in any letter case)',
            429: 'Too many registrations from this address; wait for `Retry-After` seconds',
          },
        },
      })
      .input(registerInput())
      .output(tokenPairSchema)
      .mutation(async ({ ctx, input }) => {
        const pair = await ctx.services.auth.register(ctx.em, input, ctx.request);
        if (input.email) await ctx.services.email.afterRegistration(ctx.em, pair.user.id, input.email, ctx.request);
        return deliverTokenPair(ctx.browserSession, pair);
      }),

    login: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/login',
          tags,
          protect: false,
          summary: 'Sign in with a username and password',
          description: `A wrong password and an unknown username get the same answer. Attempts are counted before the password is checked, per username and per client address; past the budget the answer is 429 with \`Retry-After\`.${COOKIE_MODE}`,
          successDescription: 'Signed in: the token pair of a new session',
          errorResponses: {
            400: 'Invalid input; the message names the field',
            401: 'Wrong username or password',
            429: 'Too many failed attempts for this username or address; wait for `Retry-After` seconds',
          },
        },
      })
      .input(credentials)
      .output(tokenPairSchema)
      .mutation(async ({ ctx, input }) =>
        deliverTokenPair(ctx.browserSession, await ctx.services.auth.login(ctx.em, input, ctx.request)),
      ),

    refresh: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/refresh',
          tags,
          protect: false,
          summary: 'Exchange a refresh token for a new token pair',
          description:
            'Rotates the refresh token: the one sent is retired. Presenting a retired refresh token again revokes the whole session, except the one just retired within the reuse grace (`REFRESH_REUSE_GRACE`, 10 s by default) after its rotation: that answers with the session’s current refresh token (the same one the rotation answered) and a new access token. With `X-Session-Mode: cookie` and no `refreshToken` in the body (send `{}`), the refresh token cookie is read, and the new one is set as that cookie instead of returned; without the header the cookie is never read (403).',
          successDescription: 'A new token pair; the refresh token sent is retired',
          errorResponses: {
            400: 'Invalid input; the message names the field',
            401: 'Invalid, expired, retired or revoked refresh token (or, in cookie mode, no cookie)',
            403: 'A session cookie without `X-Session-Mode: cookie`, or cookie mode from an origin not allowed',
          },
        },
      })
      .input(refreshInput())
      .output(tokenPairSchema)
      .mutation(async ({ ctx, input }) => {
        const session = ctx.browserSession;
        const refreshToken = input.refreshToken ?? refreshTokenFromCookie(session);
        try {
          return deliverTokenPair(session, await ctx.services.auth.refresh(ctx.em, refreshToken, ctx.request));
        } catch (error) {
          // A cookie the server refused is dead for good: the browser need not send it again.
          const isRefused = error instanceof AppError && ['INVALID_TOKEN', 'SESSION_REVOKED'].includes(error.code);
          if (isRefused && session.mode === 'cookie') session.outbox.clear();
          throw error;
        }
      }),

    logout: protectedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/logout',
          tags,
          summary: 'End the current session',
          description:
            'Its access and refresh tokens are refused from now on; other sessions stay signed in. With `X-Session-Mode: cookie`, the refresh token cookie is cleared too.',
          successDescription: 'The session has ended',
          errorResponses: { 401: 'Missing, malformed, expired or revoked access token' },
        },
      })
      .input(z.void())
      .output(logoutOutputSchema)
      .mutation(async ({ ctx }) => {
        await ctx.services.auth.logout(ctx.em, ctx.auth, ctx.request);
        clearCookieInCookieMode(ctx);
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
            'The current session included: every access and refresh token of the user is refused from now on. With `X-Session-Mode: cookie`, the refresh token cookie is cleared too.',
          successDescription: 'Every session has ended; how many there were',
          errorResponses: { 401: 'Missing, malformed, expired or revoked access token' },
        },
      })
      .input(z.void())
      .output(revokedSessionsOutputSchema)
      .mutation(async ({ ctx }) => {
        const revokedSessions = await ctx.services.auth.logoutAll(ctx.em, ctx.auth, ctx.request);
        clearCookieInCookieMode(ctx);
        return { revokedSessions };
      }),

    requestPasswordReset: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/password-reset',
          tags,
          protect: false,
          summary: 'Email a password-reset link',
          description:
            "The link goes only to an account's verified address; the answer is the same, in about the same time, whatever the address. The link opens the web app at `#/reset-password?token=…` and works once, for 30 minutes; a newer request retires it.",
          successDescription: 'Accepted (whether or not a link was sent)',
          errorResponses: {
            400: 'Invalid input; the message names the field',
            429: 'Too many requests for this address or from this client; wait for `Retry-After` seconds',
            503: 'Email is not configured on this server, or the database is unreachable',
          },
        },
      })
      .input(requestPasswordResetInput())
      .output(successOutputSchema)
      .mutation(async ({ ctx, input }) => {
        await ctx.services.email.requestPasswordReset(ctx.em, input.email, ctx.request);
        return { success: true as const };
      }),

    resetPassword: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/password-reset/confirm',
          tags,
          protect: false,
          summary: 'Set a new password with the token of a reset link',
          description:
            "The token works once, and only while the account's verified address is the one it was sent to. Every session of the user ends and every other link mailed to it is retired: sign in with the new password.",
          successDescription: 'The password is changed and every session has ended',
          errorResponses: {
            400: 'Invalid input, or a token that is invalid, expired or already used (the message names `token`)',
            503: 'Email is not configured on this server, or the database is unreachable',
          },
        },
      })
      .input(resetPasswordInput())
      .output(successOutputSchema)
      .mutation(async ({ ctx, input }) => {
        await ctx.services.email.resetPassword(ctx.em, input, ctx.request);
        return { success: true as const };
      }),

    verifyEmail: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/verify-email',
          tags,
          protect: false,
          summary: 'Confirm an email address with the token of its link',
          description:
            "The token works once, for 24 hours, and only while it is the newest link of the account. Its address becomes the account's verified address (the previous one gets a notice), unless another account verified it first: then 409, and nothing changes.",
          successDescription: 'The address is verified',
          errorResponses: {
            400: 'Invalid input, or a token that is invalid, expired or already used (the message names `token`)',
            409: 'Another account verified this address first (the message names `email`)',
            503: 'Email is not configured on this server, or the database is unreachable',
          },
        },
      })
      .input(verifyEmailInput())
      .output(successOutputSchema)
      .mutation(async ({ ctx, input }) => {
        await ctx.services.email.verifyEmail(ctx.em, input.token, ctx.request);
        return { success: true as const };
      }),
  });
}
