import { z } from 'zod';
import { EXAMPLE_USER, publicUserSchema } from '../../fields.js';
import { toPublicUser } from '../../services/auth.js';
import { protectedProcedure } from '../../trpc.js';

export const currentUserSchema = publicUserSchema
  .extend({
    email: z.email().nullable().meta({ description: 'Your verified address, or null; nobody else sees it' }),
    emailVerified: z
      .boolean()
      .meta({ description: '`email !== null`: an address is yours once its link was followed' }),
    pendingEmail: z.email().nullable().meta({
      description: 'An address waiting for its link (24 hours), or null; it blocks nobody until then',
    }),
  })
  .meta({
    id: 'CurrentUser',
    description: 'The signed-in user, with the fields only that user sees',
    example: { ...EXAMPLE_USER, email: 'alice@example.com', emailVerified: true, pendingEmail: null },
  });
export type CurrentUser = z.infer<typeof currentUserSchema>;

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
