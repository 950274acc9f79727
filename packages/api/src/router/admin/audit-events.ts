import { errorExample as example } from '../../contract.js';
import { auditEventPageSchema, auditEventsInput } from '../../schemas.js';
import { auditEventPage } from '../../services/audit-log.js';
import { adminProcedure } from '../../trpc.js';

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
