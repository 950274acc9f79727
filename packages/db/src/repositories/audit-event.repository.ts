import { EntityRepository, type FilterQuery } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { AuditEvent } from '../entities/audit-event.entity.js';

/** What an append writes (the id is made here). */
export type AuditEventInput = Omit<AuditEvent, 'id'>;

export interface AuditEventFilter {
  userId?: string | undefined;
  type?: string | undefined;
  /** Events at or after this time. */
  from?: Date | undefined;
  /** Events before this time. */
  to?: Date | undefined;
}

/** Where a page ended: the last row's time and id (the order is `at`, then `id`, both descending). */
export interface AuditCursor {
  at: Date;
  id: string;
}

export interface AuditEventPage {
  items: AuditEvent[];
  next: AuditCursor | null;
}

/** The audit log: appends, newest-first pages, and the prune's delete; never an update. */
export class AuditEventRepository extends EntityRepository<AuditEvent> {
  /** Inserts at once, outside the unit of work (nothing else pending on the fork is flushed with it). */
  async append(rows: AuditEventInput[]): Promise<void> {
    if (rows.length === 0) return;
    await this.em.insertMany(
      this.entityName,
      rows.map((row) => ({ ...row, id: uuidv7() })),
    );
  }

  /** Adds the row to the unit of work: it is written by the fork's next flush (the transaction's, in one). */
  appendInUnitOfWork(row: AuditEventInput): void {
    this.create({ ...row, id: uuidv7() });
  }

  async page(filter: AuditEventFilter, limit: number, after?: AuditCursor): Promise<AuditEventPage> {
    const where: FilterQuery<AuditEvent>[] = [];
    if (filter.userId !== undefined) where.push({ userId: filter.userId });
    if (filter.type !== undefined) where.push({ type: filter.type });
    if (filter.from) where.push({ at: { $gte: filter.from } });
    if (filter.to) where.push({ at: { $lt: filter.to } });
    if (after) where.push({ $or: [{ at: { $lt: after.at } }, { at: after.at, id: { $lt: after.id } }] });
    const rows = await this.find(
      { $and: where },
      { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit: limit + 1, disableIdentityMap: true },
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? { at: last.at, id: last.id } : null };
  }

  /** Deletes the rows older than `cutoff` (the prune). */
  deleteOlderThan(cutoff: Date): Promise<number> {
    return this.nativeDelete({ at: { $lt: cutoff } });
  }
}
