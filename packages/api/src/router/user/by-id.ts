import { errorExample as example } from '../../contract.js';
import { publicUserSchema, userIdInput } from '../../fields.js';
import { findUserById } from '../../services/users.js';
import { protectedProcedure } from '../../trpc.js';

export const byId = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/{id}',
        tags: ['users'],
        summary: 'One user by id',
        successDescription: 'The user',
      },
      errors: {
        400: {
          description: 'Invalid id',
          examples: { invalidId: example('id: is not a valid user id', 'BAD_REQUEST') },
        },
        404: { description: 'No such user' },
      },
    })
    .input(userIdInput())
    .output(publicUserSchema)
    .query(({ ctx, input }) => findUserById(ctx.em, input.id));
