import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { WebauthnChallengeRepository } from '../repositories/webauthn-challenge.repository.js';
import { userReference } from './user.entity.js';

export const WEBAUTHN_CHALLENGE_PURPOSES = ['registration', 'authentication'] as const;
export type WebauthnChallengePurpose = (typeof WEBAUTHN_CHALLENGE_PURPOSES)[number];

/**
 * A WebAuthn challenge the server issued, until it is used or expires. In the
 * database, not in a process's memory: the instance that verifies a response
 * need not be the one that issued its challenge.
 */
export const WebauthnChallengeSchema = defineEntity({
  name: 'WebauthnChallenge',
  tableName: 'webauthn_challenges',
  repository: () => WebauthnChallengeRepository,
  properties: (p) => ({
    id: p.string().length(36).primary(),
    /** The challenge as sent, base64url. */
    challenge: p.string().length(128).unique('webauthn_challenges_challenge_unique'),
    purpose: p.enum([...WEBAUTHN_CHALLENGE_PURPOSES]),
    /** Registration: the user it was issued to. Authentication: null (anyone may answer it). */
    user: userReference().nullable().index('webauthn_challenges_user_id_index'),
    // Indexed for the prune, which deletes by it.
    expiresAt: p.datetime(3).index('webauthn_challenges_expires_at_index'),
    createdAt: p.datetime(3),
  }),
});

export type WebauthnChallenge = InferEntity<typeof WebauthnChallengeSchema>;
