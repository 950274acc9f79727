import { z } from 'zod';
import { currentUserSchema } from '../../schemas.js';
import { toPublicUser } from '../../services/auth.js';
import { protectedProcedure } from '../../trpc.js';

export const me = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/me',
        tags: ['users'],
        summary: 'The signed-in user',
        description:
          'With the fields only the user sees: `email` (the verified address, or null), `emailVerified` and `pendingEmail` (an address waiting for its link, or null).',
        successDescription: 'The user of the access token',
      },
    })
    .input(z.void())
    .output(currentUserSchema)
    // The session check already read the user and its pending address (one round trip).
    .query(({ ctx }) => ({
      ...toPublicUser(ctx.auth.user),
      email: ctx.auth.user.email,
      emailVerified: ctx.auth.user.email !== null,
      pendingEmail: ctx.auth.user.pendingEmail,
    }));
