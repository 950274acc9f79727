import { DeadlockException, type EntityManager } from '@mikro-orm/core';
import { repositoriesOf, type UserRole } from '@repo/db';
import { AppError } from '../errors.js';
import type { PublicUser } from '../fields.js';
import { type AuthIdentity, toPublicUser } from './auth.js';
import { ignoreSecurityEvents, type RequestInfo, type SecurityEventSink } from './security-events.js';

// Declared here, not imported from the procedure (services/auth.ts says why).
export interface AdminSetRoleInput {
  id: string;
  role: UserRole;
}
export type AdminSetRoleOutput = PublicUser;
export interface AdminDisableUserInput {
  id: string;
}
export interface AdminDisableUserOutput {
  id: string;
  /** ISO 8601. */
  disabledAt: string;
  revokedSessions: number;
}

const noSuchUser = () => new AppError('USER_NOT_FOUND', 'No such user');
const lastAdmin = (change: string) =>
  new AppError('LAST_ADMIN', `${change} would leave no enabled admin; make another admin first`);

/** Attempts of a statement that lost a deadlock (MySQL picks one of two racing admin changes to roll back). */
const DEADLOCK_ATTEMPTS = 5;

/**
 * Runs `work` again when the database rolled it back to break a deadlock. The
 * guarded updates below read the admins with shared locks on MySQL, so two
 * admins changing each other at once can deadlock; the retry then sees the
 * other's change committed and decides on it.
 */
async function retryingDeadlocks<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DeadlockException) || attempt >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

/**
 * What admins do to other users. An admin cannot demote or disable their own
 * account, and no call demotes or disables the last enabled admin, however
 * many race: that would lock everyone out of these routes.
 */
export class AdminService {
  readonly #now: () => Date;
  readonly #emit: SecurityEventSink;

  constructor(deps: { events?: SecurityEventSink; now?: () => Date } = {}) {
    this.#now = deps.now ?? (() => new Date());
    this.#emit = deps.events ?? ignoreSecurityEvents;
  }

  async setRole(
    em: EntityManager,
    admin: AuthIdentity,
    input: AdminSetRoleInput,
    request: RequestInfo = {},
  ): Promise<AdminSetRoleOutput> {
    if (input.id === admin.user.id) {
      throw new AppError('INVALID_INPUT', 'id: an admin cannot change their own role', { field: 'id' });
    }
    const now = this.#now();
    const user = await retryingDeadlocks(() =>
      em.transactional(async (tx) => {
        const { users } = repositoriesOf(tx);
        const isChanged = await users.setRoleKeepingAnAdmin(input.id, input.role, now);
        const changed = await users.findOne({ id: input.id }, { refresh: true });
        if (!changed) throw noSuchUser();
        // Unchanged and not already so: it was the last enabled admin.
        if (!isChanged && changed.role !== input.role) throw lastAdmin('Demoting this user');
        // In the transaction: the audit row commits with the change, or neither does.
        this.#emit(
          {
            type: 'admin.role_changed',
            userId: admin.user.id,
            sessionId: admin.sessionId,
            targetUserId: changed.id,
            role: input.role,
            ...request,
          },
          tx,
        );
        return changed;
      }),
    );
    return toPublicUser(user);
  }

  /**
   * Marks the user disabled, retires every link mailed to them, then ends
   * every session of theirs. A sign-in or
   * refresh racing this call may still make or extend a session, but no
   * session of a disabled user is accepted (the session check reads
   * `disabledAt`), so none of them works once this call has returned.
   */
  async disableUser(
    em: EntityManager,
    admin: AuthIdentity,
    input: AdminDisableUserInput,
    request: RequestInfo = {},
  ): Promise<AdminDisableUserOutput> {
    if (input.id === admin.user.id) {
      throw new AppError('INVALID_INPUT', 'id: an admin cannot disable their own account', { field: 'id' });
    }
    const now = this.#now();
    const result = await retryingDeadlocks(() =>
      em.transactional(async (tx) => {
        const { users, sessions, oneTimeTokens } = repositoriesOf(tx);
        await users.disableKeepingAnAdmin(input.id, now);
        const user = await users.findOne({ id: input.id }, { refresh: true });
        if (!user) throw noSuchUser();
        // Not disabled by this call nor before: it was the last enabled admin.
        if (!user.disabledAt) throw lastAdmin('Disabling this user');
        await oneTimeTokens.retireAll(user.id, now);
        const revokedSessions = await sessions.revokeAllOfUser({ userId: user.id, reason: 'user_disabled', now });
        // In the transaction: the audit row commits with the change, or neither does.
        this.#emit(
          {
            type: 'admin.user_disabled',
            userId: admin.user.id,
            sessionId: admin.sessionId,
            targetUserId: user.id,
            revokedSessions,
            ...request,
          },
          tx,
        );
        return { id: user.id, disabledAt: user.disabledAt.toISOString(), revokedSessions };
      }),
    );
    return result;
  }
}
