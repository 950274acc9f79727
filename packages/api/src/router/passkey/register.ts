import { errorExample as example } from '../../contract.js';
import { passkeySchema, registerPasskeyInput } from '../../passkey-schemas.js';
import { protectedProcedure } from '../../trpc.js';

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
