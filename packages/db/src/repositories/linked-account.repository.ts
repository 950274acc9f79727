import { EntityRepository, raw } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { LinkedAccount } from '../entities/linked-account.entity.js';

/**
 * How many links the user has to other providers, as a subquery for the
 * condition of a delete of `linked_accounts`. MySQL refuses a subquery on the
 * table being changed, except through a derived table it materialises (as
 * `otherEnabledAdmins` in the user repository).
 */
function otherLinks(userId: string, provider: string) {
  return raw(
    '(select `n` from (select count(*) as `n` from `linked_accounts` where `user_id` = ? and `provider` <> ?) as `other_links`)',
    [userId, provider],
  );
}

export class LinkedAccountRepository extends EntityRepository<LinkedAccount> {
  /** The link of a provider's subject, with its user: how a provider sign-in finds an account. */
  findBySubject(provider: string, subject: string): Promise<LinkedAccount | null> {
    return this.findOne({ provider, subject }, { populate: ['user'] });
  }

  /** The user's links, oldest first. */
  listOfUser(userId: string): Promise<LinkedAccount[]> {
    return this.find({ user: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /**
   * Links the subject to the user. A native insert: the unique indexes refuse
   * (UniqueConstraintViolationException) a subject already linked to anyone,
   * or a second link of the user to one provider, however requests race.
   */
  async link(params: { userId: string; provider: string; subject: string; email: string | null; now: Date }) {
    await this.insert({
      id: uuidv7(),
      user: params.userId,
      provider: params.provider,
      subject: params.subject,
      email: params.email,
      createdAt: params.now,
    });
  }

  /**
   * Removes the user's link to the provider. With `keepOneLink` (the user has
   * no password), only while another link remains: the count and the delete
   * are one statement, so two unlinks racing cannot both leave the account
   * with no way in. Returns the rows removed (0 or 1).
   */
  unlink(userId: string, provider: string, keepOneLink: boolean): Promise<number> {
    const where = { user: userId, provider };
    return this.nativeDelete(keepOneLink ? { ...where, [otherLinks(userId, provider)]: { $gt: 0 } } : where);
  }
}
