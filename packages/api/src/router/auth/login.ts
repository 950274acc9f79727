import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { EXAMPLE_MFA_TOKEN, MFA_METHODS, passwordSchema, tokenPairSchema, usernameSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const credentialsInput = () =>
  z.object({ username: usernameSchema, password: passwordSchema }).meta({
    id: 'Credentials',
    example: { username: 'alice', password: 'correct horse battery' },
  });
export const credentialsSchema = credentialsInput();

export const mfaChallengeSchema = z
  .object({
    mfaRequired: z.literal(true),
    mfaToken: z
      .string()
      .meta({ description: 'Send to `POST /auth/mfa` with a code; works once, for 5 minutes and 5 wrong codes' }),
    methods: z.array(z.enum(MFA_METHODS)).meta({ description: 'The second factors this account can answer with' }),
  })
  .meta({
    id: 'MfaChallenge',
    description: 'The password was right; the sign-in waits for the second factor (no tokens yet)',
    example: { mfaRequired: true, mfaToken: EXAMPLE_MFA_TOKEN, methods: ['totp', 'recovery'] },
  });

/** What login answers: a session, or (an account with a second factor) the step that asks for it. */
export const loginOutputSchema = z.xor([tokenPairSchema, mfaChallengeSchema]).meta({
  id: 'LoginResult',
  description: 'Either the token pair of a new session, or `{ mfaRequired: true, … }` when a second factor is needed',
  example: tokenPairSchema.meta()?.example,
});

export const login = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/login',
        tags: ['auth'],
        summary: 'Sign in with a username and password',
        description:
          'A wrong password and an unknown username get the same answer. Attempts are counted before the password is checked, per username and per client address; past the budget the answer is 429 with `Retry-After`. ' +
          'An account with a second factor answers `{ mfaRequired: true, mfaToken, methods }` instead of tokens (and sets no cookie): send the code to `POST /auth/mfa`.',
        successDescription:
          'Signed in (the token pair of a new session), or the second factor is needed (`mfaRequired`)',
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
    .output(loginOutputSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.services.auth.login(ctx.em, input, ctx.request, ctx.client);
      // The second-factor step answers no token pair: no tokens, and no cookie, until the code is verified.
      return result.mfaRequired ? result : result.tokens;
    });
