import { z } from 'zod';

/**
 * The parts of the WebAuthn JSON shapes (`PublicKeyCredential*OptionsJSON`,
 * `RegistrationResponseJSON`, `AuthenticationResponseJSON` of WebAuthn
 * Level 3) that several passkey procedures share; each whole shape lives in
 * the procedure that takes or answers it. They are bounded so that no
 * oversized field reaches the verifier. Which values are right is for
 * @simplewebauthn/server to say: a wrong one is an unverifiable response
 * (400 at registration, 401 at sign-in), not invalid input.
 */

export const EXAMPLE_CHALLENGE = 'p3LqQ2W5u1r9c0bX7nS4kZ8yD6vH2jF1aE5tR0mC9gA';
export const EXAMPLE_CREDENTIAL_ID = 'q5tkO0bCRzWq0xB3jZyE6w';
export const EXAMPLE_CLIENT_DATA =
  'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoicDNMcVEyVzV1MXI5YzBiWDduUzRrWjh5RDZ2SDJqRjFhRTV0UjBtQzlnQSJ9';

export const base64url = (maxLength: number) =>
  z
    .string()
    .min(1, 'is required')
    .max(maxLength, 'is too long')
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

export const credentialIdSchema = base64url(1400).meta({ description: 'The credential id, base64url' });
// Strings, as WebAuthn's descriptor JSON has them: new transports appear as browsers learn them.
export const credentialDescriptorSchema = z.object({
  id: credentialIdSchema,
  type: z.string().meta({ example: 'public-key' }),
  transports: z
    .array(z.string())
    .optional()
    .meta({ description: 'How the authenticator can be reached (usb, internal, hybrid…)' }),
});
export const userVerificationSchema = z.enum(['required', 'preferred', 'discouraged']);
export const hintsSchema = z.array(z.enum(['hybrid', 'security-key', 'client-device']));

/** The browser's `getClientExtensionResults()`: only what this server reads is kept. */
export const clientExtensionResultsSchema = z
  .object({ credProps: z.object({ rk: z.boolean().optional() }).optional() })
  .default({})
  .meta({ description: "The browser's `getClientExtensionResults()`" });

/**
 * A credential as `startRegistration` and `startAuthentication` answer it: the
 * same envelope (ids, type, attachment, extension results) around each
 * ceremony's own `response`.
 */
export const credentialResponseSchema = <Response extends z.ZodRawShape>(response: Response) =>
  z.object({
    id: credentialIdSchema,
    rawId: credentialIdSchema,
    type: z.literal('public-key'),
    response: z.object(response),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: clientExtensionResultsSchema,
  });

/**
 * An example of `credentialResponseSchema`'s envelope, for the OpenAPI
 * document: the example credential, with the ceremony's own `response`
 * fields after the client data and the browser's extension results.
 */
export const exampleCredentialResponse = (
  response: Record<string, unknown>,
  clientExtensionResults: Record<string, unknown> = {},
) => ({
  id: EXAMPLE_CREDENTIAL_ID,
  rawId: EXAMPLE_CREDENTIAL_ID,
  type: 'public-key' as const,
  response: { clientDataJSON: EXAMPLE_CLIENT_DATA, ...response },
  authenticatorAttachment: 'platform' as const,
  clientExtensionResults,
});
