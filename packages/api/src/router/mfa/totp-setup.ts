import { z } from 'zod';
import { currentPasswordInvalid, errorExample as example } from '../../contract.js';
import { currentPasswordInput } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

const EXAMPLE_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export const totpSetupInput = () => z.object({ currentPassword: currentPasswordInput() });
export const totpSetupOutputSchema = z
  .object({
    secret: z.string().meta({ description: 'The new secret, base32 (to type into an authenticator app)' }),
    otpauthUrl: z.string().meta({ description: 'The `otpauth://totp/…` URL of the secret, for a QR code' }),
  })
  .meta({
    id: 'TotpSetup',
    description: 'A pending TOTP secret: on once `POST /users/me/mfa/totp/confirm` gets a valid code',
    example: {
      secret: EXAMPLE_TOTP_SECRET,
      otpauthUrl: `otpauth://totp/Auth%20API:alice?issuer=Auth%20API&secret=${EXAMPLE_TOTP_SECRET}&algorithm=SHA1&digits=6&period=30`,
    },
  });

export const totpSetup = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/users/me/mfa/totp/setup',
        tags: ['mfa'],
        summary: 'Start setting up an authenticator app (TOTP)',
        description:
          'Answers a new secret and its `otpauth://` URL (for a QR code). Nothing changes at sign-in until `POST /users/me/mfa/totp/confirm` gets a valid code; a new setup replaces a pending one.',
        successDescription: 'The pending secret',
      },
      isThrottled: true,
      errors: {
        400: currentPasswordInvalid(),
        409: {
          description: 'TOTP is already on',
          examples: { alreadyOn: example('TOTP is already on; turn it off first to set up another app', 'CONFLICT') },
        },
        429: {
          description: 'Too many wrong passwords for this user (shared with login); wait for `Retry-After` seconds',
        },
      },
    })
    .input(totpSetupInput())
    .output(totpSetupOutputSchema)
    .mutation(({ ctx, input }) => ctx.services.mfa.setupTotp(ctx.em, ctx.auth, input.currentPassword, ctx.request));
