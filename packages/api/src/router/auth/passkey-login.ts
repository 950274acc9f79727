import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { EXAMPLE_PASSKEY_ID, tokenPairSchema } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';
import { base64url, credentialResponseSchema, exampleCredentialResponse } from '../../webauthn-json.js';

export const authenticationResponseSchema = credentialResponseSchema({
  clientDataJSON: base64url(4096),
  authenticatorData: base64url(16_384),
  // ML-DSA-87 (a post-quantum algorithm the options offer) signs in 4627 bytes.
  signature: base64url(8192),
  userHandle: base64url(256).optional(),
}).meta({
  id: 'AuthenticationResponseJSON',
  description: "The authenticator's answer to a sign-in challenge (`startAuthentication`'s result)",
  example: exampleCredentialResponse({
    authenticatorData: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ',
    signature: 'MEUCIQDm1l6dG8rW1b3b8oK3s0pq1E4k7fJ4kZ2r0zC5a9cC4wIgS2m7a6uF3n0x8Yp9w1qL5tD0r2bV7hN4cJ6eK8mZ1sA',
    userHandle: 'MDE5YWMwYTMtNWYwZS03YzNiLTlhNTEtMmIxZjBjOGQ0ZTZh',
  }),
});

export const passkeyLoginInput = () =>
  z.object({
    challengeId: z
      .string()
      .min(1, 'is required')
      .max(64, 'is invalid or expired')
      .regex(/^[0-9A-Za-z-]+$/, 'is invalid or expired')
      .meta({ description: '`challengeId` of `POST /auth/passkey/options`', example: EXAMPLE_PASSKEY_ID }),
    response: authenticationResponseSchema,
  });

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
