import { errorExample as example } from '../../contract.js';
import { credentialsInput, tokenPairSchema } from '../../schemas.js';
import { publicProcedure } from '../../trpc.js';

export const login = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/login',
        tags: ['auth'],
        summary: 'Sign in with a username and password',
        description:
          'A wrong password and an unknown username get the same answer. Attempts are counted before the password is checked, per username and per client address; past the budget the answer is 429 with `Retry-After`.',
        successDescription: 'Signed in: the token pair of a new session',
      },
      cookieMode: 'sets',
      isThrottled: true,
      errors: {
        400: { examples: { missingPassword: example('password: is required', 'BAD_REQUEST') } },
        401: {
          description: 'Wrong username or password',
          examples: { badCredentials: example('Invalid username or password', 'UNAUTHORIZED') },
        },
        429: { description: 'Too many failed attempts for this username or address; wait for `Retry-After` seconds' },
      },
    })
    .input(credentialsInput())
    .output(tokenPairSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.login(ctx.em, input, ctx.request));
