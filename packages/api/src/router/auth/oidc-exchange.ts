import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { tokenPairSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const oidcExchangeInput = () =>
  z.object({
    code: z
      .string()
      .min(1, 'is required')
      .max(128, 'is invalid, expired or used')
      .regex(/^[A-Za-z0-9_-]+$/, 'is invalid, expired or used')
      .meta({
        description: 'The one-time code of `#/signed-in?code=…` (60 seconds, single use)',
        example: 'Jx4cV0aQ9pL2mN7bR5tY8uI1oP3sD6fG0hK2jL4zX6c',
      }),
  });
export const oidcExchangeInputSchema = oidcExchangeInput();

export const oidcExchange = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/oidc/exchange',
        tags: ['auth'],
        summary: 'Finish a sign-in with an identity provider',
        description:
          'Takes the one-time code the provider callback put in the app URL (`#/signed-in?code=…`): it works once, within 60 seconds. Exchanges are budgeted per client address (THROTTLE_OIDC_PER_ADDRESS).',
        successDescription: 'Signed in: the token pair of a new session',
      },
      cookieMode: 'sets',
      isThrottled: true,
      errors: {
        400: {
          description: 'A code that is invalid, expired or already used (the message names `code`)',
          examples: { badCode: example('code: is invalid, expired or used', 'BAD_REQUEST') },
        },
        429: { description: 'Too many sign-ins from this address; wait for `Retry-After` seconds' },
      },
    })
    .input(oidcExchangeInput())
    .output(tokenPairSchema)
    .mutation(({ ctx, input }) => ctx.services.oidc.exchange(ctx.em, input.code, ctx.request, ctx.client));
