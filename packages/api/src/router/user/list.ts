import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { EXAMPLE_OTHER_USER, EXAMPLE_USER, isPrintable, pageLimit, publicUserSchema } from '../../fields.js';
import { listUsers } from '../../services/users.js';
import { protectedProcedure } from '../../trpc.js';

export const listUsersInput = () =>
  z.object({
    limit: pageLimit(),
    cursor: z
      .string()
      .min(1)
      .max(64, 'is not a valid cursor')
      .refine(isPrintable, 'is not a valid cursor')
      // No example: Swagger UI would fill it in on "Try it out" and skip real users.
      .meta({ description: '`nextCursor` of the previous page; leave out for the first page' })
      .optional(),
  });
export const listUsersInputSchema = listUsersInput();

export const userPageSchema = z
  .object({
    items: z.array(publicUserSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last one' }),
  })
  .meta({
    id: 'UserPage',
    description: 'A page of users, oldest first',
    example: { items: [EXAMPLE_USER, EXAMPLE_OTHER_USER], nextCursor: EXAMPLE_OTHER_USER.id },
  });

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
