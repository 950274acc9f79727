import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { auditEventPageSchema, auditPageFields } from '../../fields.js';
import { auditEventPage } from '../../services/audit-log.js';
import { protectedProcedure } from '../../trpc.js';

export const securityActivityInput = () => z.object(auditPageFields());
export const securityActivityInputSchema = securityActivityInput();

export const securityActivity = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/me/security-activity',
        tags: ['users'],
        summary: 'Your recent security activity, newest first',
        description:
          'The audit events about your account (sign-ins, failed ones, password and email changes, sessions ended, admin changes to it). Pass `nextCursor` of a page as `cursor` to get the next one.',
        successDescription: 'A page of your audit events',
      },
      errors: {
        400: {
          description: 'Invalid `limit` or `cursor`',
          examples: { invalidLimit: example('limit: must be 1 to 100', 'BAD_REQUEST') },
        },
      },
    })
    .input(securityActivityInput())
    .output(auditEventPageSchema)
    // Only the caller's own: the subject is always the signed-in user.
    .query(({ ctx, input }) => auditEventPage(ctx.em, { userId: ctx.auth.user.id }, input));
