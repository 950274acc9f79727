import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { emailSchema, passwordSchema, tokenPairSchema, usernameSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';

export const registerInput = () =>
  z
    .object({
      username: usernameSchema,
      password: passwordSchema,
      email: emailSchema.optional().meta({ description: 'Optional: an address for account recovery' }),
    })
    .meta({
      id: 'Registration',
      example: { username: 'alice', password: 'correct horse battery', email: 'alice@example.com' },
    });
export const registerInputSchema = registerInput();

export const register = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/register',
        tags: ['auth'],
        summary: 'Create an account and sign in',
        description:
          'Returns a token pair for a new session, like login. With an `email`, a verification link is sent to it: the address is pending (it blocks nobody) until the link is followed.',
        successDescription: 'The account is created and signed in',
      },
      cookieMode: 'sets',
      isThrottled: true,
      errors: {
        409: {
          description: 'Username taken (in any letter case)',
          examples: { usernameTaken: example('username: is already taken', 'CONFLICT') },
        },
        429: { description: 'Too many registrations from this address; wait for `Retry-After` seconds' },
      },
    })
    .input(registerInput())
    .output(tokenPairSchema)
    .mutation(async ({ ctx, input }) => {
      const pair = await ctx.services.auth.register(ctx.em, input, ctx.request, ctx.client);
      if (input.email) await ctx.services.email.afterRegistration(ctx.em, pair.user.id, input.email, ctx.request);
      return pair;
    });
