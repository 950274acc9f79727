import { errorExample as example } from '../../contract.js';
import { listUsersInput, userPageSchema } from '../../schemas.js';
import { listUsers } from '../../services/users.js';
import { protectedProcedure } from '../../trpc.js';

export const list = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users',
        tags: ['users'],
        summary: 'Users, oldest first, a page at a time',
        description: 'Pass `nextCursor` of a page as `cursor` to get the next one; it is null on the last page.',
        successDescription: 'A page of users',
      },
      errors: {
        400: {
          description: 'Invalid `limit` or `cursor`',
          examples: { invalidLimit: example('limit: must be 1 to 100', 'BAD_REQUEST') },
        },
      },
    })
    .input(listUsersInput())
    .output(userPageSchema)
    .query(({ ctx, input }) => listUsers(ctx.em, input));
