import { errorExample as example } from '../../contract.js';
import { passkeyLoginInput } from '../../passkey-schemas.js';
import { tokenPairSchema } from '../../schemas.js';
import { publicProcedure } from '../../trpc.js';

export const passkeyLogin = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/passkey',
        tags: ['auth'],
        summary: 'Sign in with a passkey',
        description:
          'The authenticator’s answer to the challenge of `POST /auth/passkey/options`. A complete sign-in: a passkey with user verification is itself multi-factor. Every refusal (unknown passkey, used or expired challenge, wrong origin, no user verification, a bad signature, a sign counter that went back, a disabled user) is the same 401.',
        successDescription: 'Signed in: the token pair of a new session',
      },
      cookieMode: 'sets',
      errors: {
        401: {
          description: 'The response did not verify; no tokens',
          examples: { failed: example('Passkey sign-in failed', 'UNAUTHORIZED') },
        },
      },
    })
    .input(passkeyLoginInput())
    .output(tokenPairSchema)
    .mutation(({ ctx, input }) => ctx.services.passkeys.login(ctx.em, input, ctx.request, ctx.client));
