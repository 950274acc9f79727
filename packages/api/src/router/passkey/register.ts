import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { passkeySchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';
import { base64url, credentialResponseSchema, exampleCredentialResponse } from '../../webauthn-json.js';

export const registrationResponseSchema = credentialResponseSchema({
  clientDataJSON: base64url(4096),
  attestationObject: base64url(16_384),
  authenticatorData: base64url(16_384).optional(),
  transports: z.array(z.string().max(32)).max(8).optional(),
  publicKeyAlgorithm: z.number().int().optional(),
  publicKey: base64url(4096).optional(),
}).meta({
  id: 'RegistrationResponseJSON',
  description: "The authenticator's answer to a registration challenge (`startRegistration`'s result)",
  example: exampleCredentialResponse(
    { attestationObject: 'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YQ', transports: ['internal'] },
    { credProps: { rk: true } },
  ),
});

export const registerPasskeyInput = () =>
  z.object({
    response: registrationResponseSchema,
    name: z
      .string()
      .trim()
      .min(1, 'must be 1 to 64 characters')
      .max(64, 'must be 1 to 64 characters')
      .optional()
      .meta({ description: 'What to call it (default "Passkey")', example: 'Laptop' }),
  });

export const register = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/passkeys',
        tags: ['passkeys'],
        summary: 'Add a passkey: the authenticator’s answer to the registration options',
        description:
          'Verified for its type, challenge (yours, live, unused), origin, RP ID, user presence and user verification. A notice goes to your verified address.',
        successDescription: 'The passkey added',
      },
      errors: {
        400: {
          description: 'Invalid input, or a response that does not verify; the message names `response`',
          examples: {
            noChallenge: example(
              'response: answers no live registration challenge of yours (they last 5 minutes and work once)',
              'BAD_REQUEST',
            ),
          },
        },
        409: {
          description: 'This credential is already registered (a credential belongs to one user only)',
          examples: { taken: example('response: this passkey is already registered', 'CONFLICT') },
        },
      },
    })
    .input(registerPasskeyInput())
    .output(passkeySchema)
    .mutation(({ ctx, input }) => ctx.services.passkeys.register(ctx.em, ctx.auth, input, ctx.request));
