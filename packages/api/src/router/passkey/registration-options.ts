import { errorExample as example } from '../../contract.js';
import { creationOptionsSchema, registrationOptionsInput } from '../../passkey-schemas.js';
import { protectedProcedure } from '../../trpc.js';

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
        400: {
          description: 'Invalid input or wrong current password; the message names the field',
          examples: { wrongPassword: example('currentPassword: is incorrect', 'BAD_REQUEST') },
        },
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
