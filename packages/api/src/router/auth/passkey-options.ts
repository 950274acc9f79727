import { z } from 'zod';
import { EXAMPLE_PASSKEY_ID } from '../../fields.js';
import { publicProcedure } from '../../trpc.js';
import {
  credentialDescriptorSchema,
  EXAMPLE_CHALLENGE,
  hintsSchema,
  userVerificationSchema,
} from '../../webauthn-json.js';

const EXAMPLE_REQUEST_OPTIONS = {
  challenge: EXAMPLE_CHALLENGE,
  timeout: 300000,
  rpId: 'app.example.com',
  allowCredentials: [],
  userVerification: 'required',
};

export const requestOptionsSchema = z
  .object({
    challenge: z.string().meta({ description: '32 random bytes, base64url; answer within 5 minutes, once' }),
    timeout: z.number().int().optional(),
    rpId: z.string().optional(),
    allowCredentials: z
      .array(credentialDescriptorSchema)
      .optional()
      .meta({ description: 'Empty: any discoverable passkey of this site may answer' }),
    userVerification: userVerificationSchema.optional(),
    hints: hintsSchema.optional(),
  })
  .meta({
    id: 'PublicKeyCredentialRequestOptionsJSON',
    description:
      'For `navigator.credentials.get()` (e.g. `startAuthentication({ optionsJSON })` of @simplewebauthn/browser)',
    example: EXAMPLE_REQUEST_OPTIONS,
  });

export const passkeyChallengeSchema = z
  .object({
    challengeId: z.string().meta({ description: 'Send back with the response to `POST /auth/passkey`' }),
    options: requestOptionsSchema,
  })
  .meta({
    id: 'PasskeyChallenge',
    description: 'A sign-in challenge (5 minutes, single use) and the options for the authenticator',
    example: { challengeId: EXAMPLE_PASSKEY_ID, options: EXAMPLE_REQUEST_OPTIONS },
  });

export const passkeyOptions = () =>
  publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/passkey/options',
        tags: ['auth'],
        summary: 'Start a passkey sign-in: a challenge for any passkey of this site',
        description:
          'No username: the passkey is discoverable and names its user. The challenge lasts 5 minutes and works once; answer it with `POST /auth/passkey`.',
        successDescription: 'The challenge id and the options for `navigator.credentials.get()`',
      },
    })
    .input(z.void())
    .output(passkeyChallengeSchema)
    .mutation(({ ctx }) => ctx.services.passkeys.authenticationOptions(ctx.em));
