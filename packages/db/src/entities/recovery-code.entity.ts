import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

/** One recovery code of a user's current set, stored as its SHA-256 only; it works once. */
export const RecoveryCodeSchema = defineEntity({
  name: 'RecoveryCode',
  tableName: 'recovery_codes',
  repository: () => RecoveryCodeRepository,
  properties: (p) => ({
    id: uuidPrimaryKey(),
    user: userReference().index('recovery_codes_user_id_index'),
    /** Hex SHA-256 of the code. */
    codeHash: p.string().length(64).unique('recovery_codes_code_hash_unique'),
    usedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
  }),
});

export type RecoveryCode = InferEntity<typeof RecoveryCodeSchema>;
