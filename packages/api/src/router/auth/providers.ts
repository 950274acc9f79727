import { z } from 'zod';
import { providerNameSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const oidcProviderSchema = z
  .object({
    name: providerNameSchema,
    label: z.string().meta({ description: 'What a sign-in button says after "Continue with"', example: 'Google' }),
  })
  .meta({ id: 'OidcProvider', description: 'An identity provider users can sign in with' });

export const oidcProvidersOutputSchema = z.object({ providers: z.array(oidcProviderSchema) }).meta({
  id: 'OidcProviders',
  description: 'The configured identity providers',
  example: { providers: [{ name: 'google', label: 'Google' }] },
});

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
