import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { LinkedAccountRepository } from '../repositories/linked-account.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

/**
 * An account at an identity provider (OpenID Connect) linked to a user: a
 * sign-in with that provider finds the user by (provider, subject), never by
 * email. The unique indexes make a subject belong to one user only, and a
 * user have at most one account per provider, however requests race.
 */
export const LinkedAccountSchema = defineEntity({
  name: 'LinkedAccount',
  tableName: 'linked_accounts',
  repository: () => LinkedAccountRepository,
  uniques: [
    { name: 'linked_accounts_provider_subject_unique', properties: ['provider', 'subject'] },
    { name: 'linked_accounts_user_provider_unique', properties: ['user', 'provider'] },
  ],
  properties: (p) => ({
    id: uuidPrimaryKey(),
    user: userReference(),
    /** The provider's configured name (OIDC_PROVIDERS), lower-case. */
    provider: p.string().length(40),
    /** The ID token's `sub`: stable and unique at that provider (OIDC Core 1.0 §2 allows up to 255 ASCII characters). */
    subject: p.string().length(255),
    /** The address the provider said, for the person to recognise the link by; never used to find anyone. */
    email: p.string().length(254).nullable(),
    createdAt: p.datetime(3),
  }),
});

export type LinkedAccount = InferEntity<typeof LinkedAccountSchema>;
