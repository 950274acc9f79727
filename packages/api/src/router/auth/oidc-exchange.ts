import { errorExample as example } from '../../contract.js';
import { oidcExchangeInput, tokenPairSchema } from '../../schemas.js';
import { publicProcedure } from '../../trpc.js';

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
