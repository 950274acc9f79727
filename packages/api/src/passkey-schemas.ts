import { z } from 'zod';
import { changePasswordInput } from './schemas.js';

/**
 * The WebAuthn JSON shapes the passkey procedures take and answer
 * (`PublicKeyCredential*OptionsJSON`, `RegistrationResponseJSON`,
 * `AuthenticationResponseJSON` of WebAuthn Level 3), bounded so that no
 * oversized field reaches the verifier. Which values are right is for
 * @simplewebauthn/server to say: a wrong one is an unverifiable response
 * (400 at registration, 401 at sign-in), not invalid input.
 */

const EXAMPLE_PASSKEY_ID = '019ac0b2-7d3e-7a10-9c4f-3e2d1b0a9f87';
const EXAMPLE_CHALLENGE = 'p3LqQ2W5u1r9c0bX7nS4kZ8yD6vH2jF1aE5tR0mC9gA';
const EXAMPLE_CREDENTIAL_ID = 'q5tkO0bCRzWq0xB3jZyE6w';
const EXAMPLE_CLIENT_DATA =
  'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoicDNMcVEyVzV1MXI5YzBiWDduUzRrWjh5RDZ2SDJqRjFhRTV0UjBtQzlnQSJ9';
const EXAMPLE_REQUEST_OPTIONS = {
  challenge: EXAMPLE_CHALLENGE,
  timeout: 300000,
  rpId: 'app.example.com',
  allowCredentials: [],
  userVerification: 'required',
};

const base64url = (maxLength: number) =>
  z
    .string()
    .min(1, 'is required')
    .max(maxLength, 'is too long')
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

const credentialIdSchema = base64url(1400).meta({ description: 'The credential id, base64url' });
// Strings, as WebAuthn's descriptor JSON has them: new transports appear as browsers learn them.
const credentialDescriptorSchema = z.object({
  id: credentialIdSchema,
  type: z.string().meta({ example: 'public-key' }),
  transports: z
    .array(z.string())
    .optional()
    .meta({ description: 'How the authenticator can be reached (usb, internal, hybrid…)' }),
});
const userVerificationSchema = z.enum(['required', 'preferred', 'discouraged']);
const hintsSchema = z.array(z.enum(['hybrid', 'security-key', 'client-device']));

export const passkeySchema = z
  .object({
    id: z.string().meta({ description: 'The passkey, for `passkey.remove`' }),
    name: z.string().meta({ description: 'What the user called it' }),
    createdAt: z.iso.datetime().meta({ description: 'ISO-8601 time it was added' }),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'ISO-8601 time of its last sign-in, or null' }),
  })
  .meta({
    id: 'Passkey',
    description: 'A passkey of the signed-in user (never its key)',
    example: { id: EXAMPLE_PASSKEY_ID, name: 'Laptop', createdAt: '2026-12-01T09:00:00.000Z', lastUsedAt: null },
  });

/** What `passkey.list` answers. */
export const passkeyListSchema = z.array(passkeySchema).meta({
  description: "The signed-in user's passkeys, oldest first",
  example: [{ id: EXAMPLE_PASSKEY_ID, name: 'Laptop', createdAt: '2026-12-01T09:00:00.000Z', lastUsedAt: null }],
});

export const registrationOptionsInput = () =>
  z.object({ currentPassword: changePasswordInput().shape.currentPassword });

export const creationOptionsSchema = z
  .object({
    rp: z.object({ name: z.string(), id: z.string().optional() }),
    user: z.object({
      id: z.string().meta({ description: 'The user handle, base64url' }),
      name: z.string(),
      displayName: z.string(),
    }),
    challenge: z.string().meta({ description: '32 random bytes, base64url; answer within 5 minutes, once' }),
    pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal('public-key') })),
    timeout: z.number().int().optional(),
    excludeCredentials: z
      .array(credentialDescriptorSchema)
      .optional()
      .meta({ description: 'Your passkeys: an authenticator holding one of them makes no second' }),
    authenticatorSelection: z
      .object({
        authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
        residentKey: z.enum(['required', 'preferred', 'discouraged']).optional(),
        requireResidentKey: z.boolean().optional(),
        userVerification: userVerificationSchema.optional(),
      })
      .optional(),
    hints: hintsSchema.optional(),
    attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']).optional(),
    extensions: z.object({ credProps: z.boolean().optional() }).optional(),
  })
  .meta({
    id: 'PublicKeyCredentialCreationOptionsJSON',
    description:
      'For `navigator.credentials.create()` (e.g. `startRegistration({ optionsJSON })` of @simplewebauthn/browser): a discoverable credential with user verification',
    example: {
      rp: { name: 'Auth API', id: 'app.example.com' },
      user: { id: 'MDE5YWMwYTMtNWYwZS03YzNiLTlhNTEtMmIxZjBjOGQ0ZTZh', name: 'alice', displayName: 'alice' },
      challenge: EXAMPLE_CHALLENGE,
      pubKeyCredParams: [
        { alg: -8, type: 'public-key' },
        { alg: -7, type: 'public-key' },
        { alg: -257, type: 'public-key' },
      ],
      timeout: 300000,
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      attestation: 'none',
      extensions: { credProps: true },
    },
  });

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

/** The browser's `getClientExtensionResults()`: only what this server reads is kept. */
const clientExtensionResultsSchema = z
  .object({ credProps: z.object({ rk: z.boolean().optional() }).optional() })
  .default({})
  .meta({ description: "The browser's `getClientExtensionResults()`" });

export const registrationResponseSchema = z
  .object({
    id: credentialIdSchema,
    rawId: credentialIdSchema,
    type: z.literal('public-key'),
    response: z.object({
      clientDataJSON: base64url(4096),
      attestationObject: base64url(16_384),
      authenticatorData: base64url(16_384).optional(),
      transports: z.array(z.string().max(32)).max(8).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url(4096).optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: clientExtensionResultsSchema,
  })
  .meta({
    id: 'RegistrationResponseJSON',
    description: "The authenticator's answer to a registration challenge (`startRegistration`'s result)",
    example: {
      id: EXAMPLE_CREDENTIAL_ID,
      rawId: EXAMPLE_CREDENTIAL_ID,
      type: 'public-key',
      response: {
        clientDataJSON: EXAMPLE_CLIENT_DATA,
        attestationObject: 'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YQ',
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: { credProps: { rk: true } },
    },
  });

export const authenticationResponseSchema = z
  .object({
    id: credentialIdSchema,
    rawId: credentialIdSchema,
    type: z.literal('public-key'),
    response: z.object({
      clientDataJSON: base64url(4096),
      authenticatorData: base64url(16_384),
      // ML-DSA-87 (a post-quantum algorithm the options offer) signs in 4627 bytes.
      signature: base64url(8192),
      userHandle: base64url(256).optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: clientExtensionResultsSchema,
  })
  .meta({
    id: 'AuthenticationResponseJSON',
    description: "The authenticator's answer to a sign-in challenge (`startAuthentication`'s result)",
    example: {
      id: EXAMPLE_CREDENTIAL_ID,
      rawId: EXAMPLE_CREDENTIAL_ID,
      type: 'public-key',
      response: {
        clientDataJSON: EXAMPLE_CLIENT_DATA,
        authenticatorData: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ',
        signature: 'MEUCIQDm1l6dG8rW1b3b8oK3s0pq1E4k7fJ4kZ2r0zC5a9cC4wIgS2m7a6uF3n0x8Yp9w1qL5tD0r2bV7hN4cJ6eK8mZ1sA',
        userHandle: 'MDE5YWMwYTMtNWYwZS03YzNiLTlhNTEtMmIxZjBjOGQ0ZTZh',
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    },
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

export const passkeyIdInput = () =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64, 'is not a valid passkey id')
      .regex(/^[0-9A-Za-z-]+$/, 'is not a valid passkey id')
      .meta({ description: 'Passkey id (from `passkey.list`)', example: EXAMPLE_PASSKEY_ID }),
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
