import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { TotpCredentialRepository } from '../repositories/totp-credential.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

/**
 * A user's TOTP authenticator: at most one row per user (the unique index),
 * pending until a first code confirms it. The secret is stored encrypted by
 * the API (AES-256-GCM under MFA_ENCRYPTION_KEY): this package never sees it in clear.
 */
export const TotpCredentialSchema = defineEntity({
  name: 'TotpCredential',
  tableName: 'totp_credentials',
  repository: () => TotpCredentialRepository,
  properties: (p) => ({
    id: uuidPrimaryKey(),
    user: userReference().unique('totp_credentials_user_id_unique'),
    /** The encrypted secret, as the API's cipher writes it (printable ASCII). */
    encryptedSecret: p.string().length(255),
    /** When a first valid code turned it on; null while the setup is pending. */
    confirmedAt: p.datetime(3).nullable(),
    /**
     * The time step (30 s since the epoch) of the last code accepted: only a
     * later step is accepted next, so a code works once, even in its window.
     */
    lastUsedStep: p.integer().nullable(),
    createdAt: p.datetime(3),
  }),
});

export type TotpCredential = InferEntity<typeof TotpCredentialSchema>;
