import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { AuditEventRepository } from '../repositories/audit-event.repository.js';
import { uuidPrimaryKey } from './columns.js';

/** The longest event type stored (`type` is free text: new event types need no migration). */
export const MAX_AUDIT_TYPE_LENGTH = 64;
/** User agents are cut to this many characters before they are stored. */
export const MAX_AUDIT_USER_AGENT_LENGTH = 256;
/** AUDIT_RETENTION when unset, in days: rows older than it are pruned. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;

/**
 * One security event, appended and never changed (only the prune deletes).
 * The user columns are plain ids, no foreign keys: the log outlives what it
 * names, and an append never waits on a lock of the user's row.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  repository: () => AuditEventRepository,
  properties: (p) => ({
    id: uuidPrimaryKey(),
    // Indexed for the prune, which deletes by it, and for the newest-first pages.
    at: p.datetime(3).index('audit_events_at_index'),
    type: p.string().length(MAX_AUDIT_TYPE_LENGTH),
    /** The subject: whose account the event is about (the target of an admin action). */
    userId: p.string().length(36).nullable().index('audit_events_user_id_index'),
    /** Who did it: the admin for admin actions, else the user; null when nobody proved who they are. */
    actorId: p.string().length(36).nullable(),
    clientAddress: p.string().length(64).nullable(),
    userAgent: p.string().length(MAX_AUDIT_USER_AGENT_LENGTH).nullable(),
    requestId: p.string().length(128).nullable(),
    /** The event's other fields, from an allow-list (never a secret). */
    // JSON text rather than a JSON column: MariaDB keeps JSON as longtext with a CHECK, which
    // MikroORM's schema diff then takes for a change on every `db:migration:create`.
    details: p.text(),
  }),
});

export type AuditEvent = InferEntity<typeof AuditEventSchema>;
