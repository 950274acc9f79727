import { z } from 'zod';
import { passkeyChallengeSchema } from '../../passkey-schemas.js';
import { publicProcedure } from '../../trpc.js';

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
