import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from '@mikro-orm/core';
import {
  type AuditEvent,
  type AuditEventFilter,
  type AuditEventInput,
  MAX_AUDIT_TYPE_LENGTH,
  MAX_AUDIT_USER_AGENT_LENGTH,
  repositoriesOf,
} from '@repo/db';
import { AppError } from '../errors.js';
import type { RequestInfo, SecurityEvent } from './security-events.js';

/**
 * The event fields copied into `details`: an allow-list, so that a field a
 * later event type adds is left out until it is named here (never a password,
 * hash, token, code or secret; the username tried is fine).
 */
const DETAIL_FIELDS = [
  'sessionId',
  'username',
  'revokedSessions',
  'purpose',
  'reason',
  'method',
  'passkeyId',
  'targetUserId',
  'role',
] as const satisfies readonly (keyof SecurityEvent)[];

/** A `reason` is a transport's error message at worst: kept short. */
const MAX_DETAIL_LENGTH = 200;

/**
 * Events that prove nothing about who sent the request (a wrong password, a
 * reused token): their user is the subject, not the actor.
 */
const REFUSAL =
  /\.(failed|throttled|disabled|suppressed|refused|reuse_detected|counter_regressed|register_failed|login_failed)$|^token\.refused$/;

/** A call's audit scope: its fork, who is signed in, and the events waiting to be appended after it. */
interface AuditScope {
  em: EntityManager;
  actorId: string | undefined;
  request: RequestInfo;
  pending: AuditEventInput[];
  isClosed: boolean;
}

export interface AuditLogOptions {
  now?: () => Date;
  /**
   * An append after the call failed: told the error and the rows lost (the
   * server logs both at error). The call's answer stands.
   */
  onAppendFailed?: (error: unknown, rows: AuditEventInput[]) => void;
}

/**
 * Stores every security event in `audit_events`.
 *
 * An event that records a change to stored state is emitted with the unit of
 * work that makes the change (the service's transaction, or the flush that
 * stores it): its row is written by that flush, so it commits or rolls back
 * with the change, and a failing insert fails the call with nothing changed.
 * These are: register, login.succeeded and oidc.exchanged (in the flush that
 * stores the session, and the user for register), session.revoked (by the
 * user, or `session_limit`: the trim after a sign-in, in its own
 * transaction), refresh.reuse_detected, logout, logout_all,
 * password.changed, password_reset.completed, email.set, email.verified,
 * password_reset.requested and email.verification_sent (with the link's
 * token), mfa.challenged, mfa.totp_enabled, mfa.totp_disabled,
 * mfa.recovery_codes_regenerated, mfa.recovery_code_used, passkey.added,
 * passkey.removed, oidc.signed_in (with its sign-in code, and the new
 * account), oidc.linked, oidc.unlinked, admin.role_changed and
 * admin.user_disabled.
 *
 * Every other event is collected while its procedure call runs (an
 * AsyncLocalStorage scope the procedure builders open) and appended through
 * the call's fork when it has finished, succeeded or not: the refusals that
 * change nothing (failed, throttled, suppressed, refused), the replay of
 * refresh.reuse_within_grace, the mail events, and a password_reset.requested
 * for an address that gets no link (nothing is stored).
 */
export class AuditLog {
  readonly #scopes = new AsyncLocalStorage<AuditScope>();
  readonly #now: () => Date;
  readonly #onAppendFailed: (error: unknown, rows: AuditEventInput[]) => void;

  constructor(options: AuditLogOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#onAppendFailed = options.onAppendFailed ?? (() => {});
  }

  /** Runs a procedure call in an audit scope, then appends what it emitted (on `em`, the call's fork). */
  async scoped<T>(
    em: EntityManager,
    actorId: string | undefined,
    request: RequestInfo,
    run: () => Promise<T>,
  ): Promise<T> {
    const scope: AuditScope = { em, actorId, request, pending: [], isClosed: false };
    try {
      return await this.#scopes.run(scope, run);
    } finally {
      scope.isClosed = true;
      await this.#append(em, scope.pending.splice(0));
    }
  }

  /**
   * The sink services emit into. With `unitOfWork`, the row joins it (written
   * by its flush); else it waits for the end of the call, or, emitted after
   * the call (a mail that failed in the background), is appended at once.
   * Outside any call (a service used directly), only a unit of work stores it.
   */
  record(event: SecurityEvent, unitOfWork?: EntityManager): void {
    const scope = this.#scopes.getStore();
    const row = this.#rowOf(event, scope);
    if (unitOfWork) {
      repositoriesOf(unitOfWork).auditEvents.appendInUnitOfWork(row);
    } else if (scope && !scope.isClosed) {
      scope.pending.push(row);
    } else if (scope) {
      void this.#append(scope.em.fork(), [row]);
    }
  }

  /** Never throws: the action the rows record has happened, and its answer must reach the caller. */
  async #append(em: EntityManager, rows: AuditEventInput[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await repositoriesOf(em).auditEvents.append(rows);
    } catch (error) {
      this.#onAppendFailed(error, rows);
    }
  }

  #rowOf(event: SecurityEvent, scope: AuditScope | undefined): AuditEventInput {
    const request = { ...scope?.request, ...pickDefined(event, ['requestId', 'clientAddress', 'userAgent']) };
    const actorId = scope?.actorId ?? (REFUSAL.test(event.type) ? undefined : event.userId);
    return {
      at: this.#now(),
      type: event.type.slice(0, MAX_AUDIT_TYPE_LENGTH),
      userId: event.targetUserId ?? event.userId ?? null,
      actorId: actorId ?? null,
      clientAddress: request.clientAddress ?? null,
      userAgent: request.userAgent?.slice(0, MAX_AUDIT_USER_AGENT_LENGTH) ?? null,
      requestId: request.requestId ?? null,
      details: JSON.stringify(detailsOf(event)),
    };
  }
}

function pickDefined<K extends keyof RequestInfo>(event: SecurityEvent, keys: K[]): Partial<RequestInfo> {
  return Object.fromEntries(keys.flatMap((key) => (event[key] === undefined ? [] : [[key, event[key]]])));
}

function detailsOf(event: SecurityEvent): Record<string, string | number> {
  const details: Record<string, string | number> = {};
  for (const field of DETAIL_FIELDS) {
    const value = event[field];
    if (typeof value === 'number') details[field] = value;
    else if (typeof value === 'string') details[field] = value.slice(0, MAX_DETAIL_LENGTH);
  }
  return details;
}

/** An audit row as the API answers it. */
export interface AuditEventView {
  id: string;
  at: string;
  type: string;
  userId: string | null;
  actorId: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, string | number>;
}

const viewOf = (row: AuditEvent): AuditEventView => ({
  id: row.id,
  at: row.at.toISOString(),
  type: row.type,
  userId: row.userId ?? null,
  actorId: row.actorId ?? null,
  clientAddress: row.clientAddress ?? null,
  userAgent: row.userAgent ?? null,
  requestId: row.requestId ?? null,
  details: JSON.parse(row.details) as Record<string, string | number>,
});

/** The cursor is opaque to clients: the last row's time and id, base64url. */
function encodeCursor(cursor: { at: Date; id: string }): string {
  return Buffer.from(`${cursor.at.getTime()}.${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string): { at: Date; id: string } {
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!match?.[1] || !match[2]) {
    throw new AppError('INVALID_INPUT', 'cursor: is not a valid cursor', { field: 'cursor' });
  }
  return { at: new Date(Number(match[1])), id: match[2] };
}

/** Newest first, a page at a time. */
export async function auditEventPage(
  em: EntityManager,
  filter: AuditEventFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const { items, next } = await repositoriesOf(em).auditEvents.page(filter, page.limit, after);
  return { items: items.map(viewOf), nextCursor: next ? encodeCursor(next) : null };
}
