import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { refreshTokenFromCookie } from '../../cookie-mode.js';
import { EXAMPLE_REFRESH_TOKEN, MAX_REFRESH_TOKEN_LENGTH, tokenPairSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const refreshInput = () =>
  z.object({
    refreshToken: z.string().min(1, 'is required').max(MAX_REFRESH_TOKEN_LENGTH, 'is too long').optional().meta({
      description:
        'The refresh token of the latest pair (single use). Required, except in cookie mode (`X-Session-Mode: cookie`), where leaving it out reads the refresh token cookie',
      example: EXAMPLE_REFRESH_TOKEN,
    }),
  });
export const refreshInputSchema = refreshInput();

export const refresh = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/refresh',
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair',
        description:
          'Rotates the refresh token: the one sent is retired. Presenting a retired refresh token again revokes the whole session, except the one just retired within the reuse grace (`REFRESH_REUSE_GRACE`, 10 s by default) after its rotation: that answers with the session’s current refresh token (the same one the rotation answered) and a new access token.',
        successDescription: 'A new token pair; the refresh token sent is retired',
      },
      cookieMode: 'reads',
      errors: {
        400: { examples: { missingToken: example('refreshToken: is required', 'BAD_REQUEST') } },
        401: {
          description: 'Invalid, expired, retired or revoked refresh token (or, in cookie mode, no cookie)',
          examples: {
            invalidToken: example('Invalid refresh token', 'UNAUTHORIZED'),
            expiredToken: example('The refresh token has expired', 'UNAUTHORIZED'),
            reused: example('Refresh token reuse detected; the session has been revoked', 'UNAUTHORIZED'),
            noCookie: example('No session cookie: sign in (the refresh token cookie is missing)', 'UNAUTHORIZED'),
          },
        },
        403: {
          description: 'A session cookie without `X-Session-Mode: cookie`',
          examples: {
            cookieWithoutHeader: example(
              'The session cookie is read only with the header X-Session-Mode: cookie',
              'FORBIDDEN',
            ),
          },
        },
      },
    })
    .input(refreshInput())
    .output(tokenPairSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.auth.refresh(ctx.em, input.refreshToken ?? refreshTokenFromCookie(ctx.cookies), ctx.request),
    );
