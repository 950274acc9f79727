import { z } from 'zod';
import { currentPasswordInvalid } from '../../contract.js';
import { currentPasswordInput } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';
import {
  credentialDescriptorSchema,
  EXAMPLE_CHALLENGE,
  hintsSchema,
  userVerificationSchema,
} from '../../webauthn-json.js';

export const registrationOptionsInput = () => z.object({ currentPassword: currentPasswordInput() });

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

export const registrationOptions = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/passkeys/options',
        tags: ['passkeys'],
        summary: 'Start adding a passkey: the options for the authenticator',
        description:
          'The current password first (a wrong one is a 400 naming `currentPassword`, counted like a failed sign-in). The challenge lasts 5 minutes and works once; answer it with `POST /users/me/passkeys`.',
        successDescription: 'Options for `navigator.credentials.create()`',
      },
      isThrottled: true,
      errors: {
        400: currentPasswordInvalid(),
        429: {
          description: 'Too many wrong passwords for this user (shared with login); wait for `Retry-After` seconds',
        },
      },
    })
    .input(registrationOptionsInput())
    .output(creationOptionsSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.passkeys.registrationOptions(ctx.em, ctx.auth, input.currentPassword, ctx.request),
    );
