import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { PasskeyRepository } from '../repositories/passkey.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

/**
 * The longest credential id stored, base64url: 512 characters (384 bytes).
 * WebAuthn allows up to 1023 bytes, but the unique index must stay under
 * MySQL's key length (3072 bytes of utf8mb4); authenticators use 16 to 64.
 */
export const MAX_CREDENTIAL_ID_LENGTH = 512;

/** A WebAuthn credential (passkey) of a user: its public key and sign counter. */
export const PasskeySchema = defineEntity({
  name: 'Passkey',
  tableName: 'passkeys',
  repository: () => PasskeyRepository,
  properties: (p) => ({
    id: uuidPrimaryKey(),
    user: userReference().index('passkeys_user_id_index'),
    /** The credential id, base64url. Unique: a credential belongs to one user only. */
    credentialId: p.string().length(MAX_CREDENTIAL_ID_LENGTH).unique('passkeys_credential_id_unique'),
    /** The COSE public key, base64url. */
    publicKey: p.text(),
    /** The authenticator's sign counter as last seen (0 for authenticators that keep none). */
    counter: p.bigint('number'),
    /** Transports the authenticator reported (usb, internal, hybrid…), handed back as hints. */
    transports: p.array(),
    name: p.string().length(64),
    createdAt: p.datetime(3),
    lastUsedAt: p.datetime(3).nullable(),
  }),
});

export type Passkey = InferEntity<typeof PasskeySchema>;
