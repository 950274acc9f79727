import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { providerInput } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

export const linkStartOutputSchema = z
  .object({
    url: z.url().meta({
      description:
        'Open it in this browser (the one signed in, in cookie mode): it leads to the provider, and back. Works once, for 5 minutes.',
    }),
  })
  .meta({
    id: 'LinkStart',
    description: 'Where to send the browser to link the provider',
    example: { url: 'https://api.example.com/api/auth/oidc/google/start?link=Vb2xQ9rTz4mWk1aF' },
  });

export const linkStart = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/linked-accounts/{provider}',
        tags: ['users'],
        summary: 'Begin linking an account at an identity provider',
        description:
          'Answers a URL to navigate to, in the browser signed in to this account (in cookie mode: the start route checks that its session cookie is this account’s). It leads to the provider; its callback links the provider account and returns to `#/signed-in?linked={provider}`. The URL works once, for 5 minutes.',
        successDescription: 'Where to send the browser',
      },
      errors: {
        404: {
          description: 'No identity provider of that name is configured',
          examples: { noProvider: example('No identity provider named "acme" is configured', 'NOT_FOUND') },
        },
        409: {
          description: 'This account is already linked to that provider',
          examples: { linked: example('This account is already linked to Google', 'CONFLICT') },
        },
      },
    })
    .input(providerInput())
    .output(linkStartOutputSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.oidc.linkStart(ctx.em, ctx.auth, input.provider, ctx.request.publicOrigin),
    );
