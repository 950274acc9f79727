import { errorExample as example } from '../../contract.js';

/** The refusals of a change that needs the password and a code (disable, new recovery codes). */
export const mfaChangeErrors = {
  400: {
    description: 'Wrong current password or wrong code; the message names the field',
    examples: {
      wrongPassword: example('currentPassword: is incorrect', 'BAD_REQUEST'),
      wrongCode: example('code: is incorrect', 'BAD_REQUEST'),
    },
  },
  409: { description: 'TOTP is not on', examples: { notOn: example('TOTP is not on', 'CONFLICT') } },
  429: { description: 'Too many wrong codes or passwords for this user; wait for `Retry-After` seconds' },
};
