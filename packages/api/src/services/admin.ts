import type { EntityManager } from '@mikro-orm/core';
import { repositoriesOf } from '@repo/db';
import { AppError } from '../errors.js';
import type {
  AdminDisableUserInput,
  AdminDisableUserOutput,
  AdminSetRoleInput,
  AdminSetRoleOutput,
} from '../schemas.js';
import { type AuthIdentity, toPublicUser } from './auth.js';
import { ignoreSecurityEvents, type RequestInfo, type SecurityEventSink } from './security-events.js';

const noSuchUser = () => new AppError('USER_NOT_FOUND', 'No such user');

/**
 * What admins do to other users. An admin cannot demote or disable their own
 * account: the last admin would lock everyone out of these routes.
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
    const user = await repositoriesOf(em).users.findOne({ id: input.id });
    if (!user) throw noSuchUser();
    user.role = input.role;
    await em.flush();
    this.#emit({
      type: 'admin.role_changed',
      userId: admin.user.id,
      sessionId: admin.sessionId,
      targetUserId: user.id,
      role: input.role,
      ...request,
    });
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
    const result = await em.transactional(async (tx) => {
      const { users, sessions, oneTimeTokens } = repositoriesOf(tx);
      const user = await users.findOne({ id: input.id });
      if (!user) throw noSuchUser();
      user.disabledAt ??= now;
      await tx.flush();
      await oneTimeTokens.retireAll(user.id, now);
      const revokedSessions = await sessions.revokeAllOfUser({ userId: user.id, reason: 'user_disabled', now });
      return { id: user.id, disabledAt: user.disabledAt.toISOString(), revokedSessions };
    });
    this.#emit({
      type: 'admin.user_disabled',
      userId: admin.user.id,
      sessionId: admin.sessionId,
      targetUserId: result.id,
      revokedSessions: result.revokedSessions,
      ...request,
    });
    return result;
  }
}
