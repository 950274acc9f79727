import { z } from 'zod';
import { protectedProcedure } from '../../trpc.js';

export const sessionSchema = z
  .object({
    id: z.string().meta({ description: 'Session id (pass to `POST /users/me/sessions/{id}/revoke`)' }),
    createdAt: z.iso.datetime().meta({ description: 'When it signed in' }),
    lastUsedAt: z.iso.datetime().meta({ description: 'Its latest sign-in or refresh' }),
    userAgent: z.string().nullable().meta({ description: 'The browser or program it signed in with, if it said' }),
    current: z.boolean().meta({ description: 'Whether this is the session of the access token asking' }),
  })
  .meta({
    id: 'Session',
    description: 'One of your signed-in devices',
    example: {
      id: '019ac0a5-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
      createdAt: '2026-11-26T10:00:00.000Z',
      lastUsedAt: '2026-11-26T10:14:00.000Z',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      current: true,
    },
  });

export const sessionListSchema = z.array(sessionSchema).meta({
  id: 'SessionList',
  description: 'Your live sessions, the most recently used first',
  example: [sessionSchema.meta()?.example],
});

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
