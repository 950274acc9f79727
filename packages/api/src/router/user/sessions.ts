import { z } from 'zod';
import { sessionListSchema } from '../../schemas.js';
import { protectedProcedure } from '../../trpc.js';

export const sessions = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/me/sessions',
        tags: ['users'],
        summary: 'Your signed-in devices',
        description: 'Your live sessions, the most recently used first; `current` marks the one asking.',
        successDescription: 'The live sessions',
      },
    })
    .input(z.void())
    .output(sessionListSchema)
    .query(({ ctx }) => ctx.services.auth.listSessions(ctx.em, ctx.auth));
