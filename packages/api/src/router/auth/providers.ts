import { z } from 'zod';
import { oidcProvidersOutputSchema } from '../../schemas.js';
import { publicProcedure } from '../../trpc.js';

export const providers = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/oidc/providers',
        tags: ['auth'],
        summary: 'The identity providers one can sign in with',
        description:
          'One "Continue with …" button each: the button navigates the browser to `GET /api/auth/oidc/{name}/start`.',
        successDescription: 'The configured providers (none when OIDC_PROVIDERS is unset)',
      },
    })
    .input(z.void())
    .output(oidcProvidersOutputSchema)
    .query(({ ctx }) => ({ providers: ctx.services.oidc.providers() }));
