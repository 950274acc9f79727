import { z } from 'zod';
import { errorExample as example } from '../../contract.js';
import { auditEventPageSchema, auditPageFields, isPrintable } from '../../fields.js';
import { auditEventPage } from '../../services/audit-log.js';
import { adminProcedure } from '../../trpc.js';

export const auditEventsInput = () =>
  z.object({
    userId: z
      .string()
      .min(1)
      .max(64, 'is not a valid user id')
      .refine(isPrintable, 'is not a valid user id')
      .meta({ description: 'Only the events about this user' })
      .optional(),
    type: z
      .string()
      .min(1)
      .max(64, 'is not a valid event type')
      .regex(/^[a-z0-9_.]+$/, 'is not a valid event type')
      .meta({ description: 'Only events of this type, e.g. `login.failed`', example: 'login.failed' })
      .optional(),
    from: z.iso
      .datetime()
      .max(40, 'must be an ISO 8601 time')
      .meta({ description: 'Only events at or after this time (ISO 8601)' })
      .optional(),
    to: z.iso
      .datetime()
      .max(40, 'must be an ISO 8601 time')
      .meta({ description: 'Only events before this time (ISO 8601)' })
      .optional(),
    ...auditPageFields(),
  });
export const auditEventsInputSchema = auditEventsInput();

export const auditEvents = () =>
  adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/admin/audit-events',
        tags: ['admin'],
        summary: 'The audit log, newest first, a page at a time',
        description:
          'Every security event, filtered by subject (`userId`), `type` and time (`from` inclusive, `to` exclusive). Pass `nextCursor` of a page as `cursor` to get the next one; it is null on the last page.',
        successDescription: 'A page of audit events',
      },
      errors: {
        400: {
          description: 'Invalid filter, `limit` or `cursor`; the message names the field',
          examples: { invalidLimit: example('limit: must be 1 to 100', 'BAD_REQUEST') },
        },
      },
    })
    .input(auditEventsInput())
    .output(auditEventPageSchema)
    .query(({ ctx, input }) =>
      auditEventPage(
        ctx.em,
        {
          userId: input.userId,
          type: input.type,
          from: input.from === undefined ? undefined : new Date(input.from),
          to: input.to === undefined ? undefined : new Date(input.to),
        },
        input,
      ),
    );
