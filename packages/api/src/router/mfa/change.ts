import { z } from 'zod';
import { errorExample as example, wrongCurrentPasswordExample } from '../../contract.js';
import { currentPasswordInput } from '../../fields.js';

/*
 * What mfa.disable and mfa.regenerateRecoveryCodes share: both are a change
 * that needs the password and a code, take the same input and refuse alike.
 */

/** `code` of the changes that need the second factor: a TOTP code, or a recovery code when the device is lost. */
const factorCodeSchema = z.string().min(1, 'is required').max(64, 'is incorrect').meta({
  description: 'The 6-digit code of the authenticator app, or one of your recovery codes (which is then used up)',
  example: '492039',
});

export const mfaChangeInput = () => z.object({ currentPassword: currentPasswordInput(), code: factorCodeSchema });

/** Their refusals. */
export const mfaChangeErrors = {
  400: {
    description: 'Wrong current password or wrong code; the message names the field',
    examples: {
      wrongPassword: wrongCurrentPasswordExample,
      wrongCode: example('code: is incorrect', 'BAD_REQUEST'),
    },
  },
  409: { description: 'TOTP is not on', examples: { notOn: example('TOTP is not on', 'CONFLICT') } },
  429: { description: 'Too many wrong codes or passwords for this user; wait for `Retry-After` seconds' },
};
