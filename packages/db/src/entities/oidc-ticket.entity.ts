import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { OidcTicketRepository } from '../repositories/oidc-ticket.repository.js';
import { uuidPrimaryKey } from './columns.js';
import { userReference } from './user.entity.js';

/**
 * What a ticket is for:
 * - `flow`: a sign-in or link in progress at a provider; the browser holds the
 *   secret in a cookie, the row holds `state`, `nonce` and the PKCE verifier.
 * - `link`: what `user.linkStart` hands out; spent by the start route, which
 *   turns it into a `flow` for the same user.
 * - `sign_in`: the one-time code the callback puts in the app's URL, which
 *   `auth.oidcExchange` turns into a session.
 */
export const OIDC_TICKET_PURPOSES = ['flow', 'link', 'sign_in'] as const;
export type OidcTicketPurpose = (typeof OIDC_TICKET_PURPOSES)[number];

/**
 * A short-lived, single-use secret of the OpenID Connect sign-in, kept in the
 * database (never in the instance's memory) so that any instance can finish
 * what another began. Only the SHA-256 of the secret is stored.
 */
export const OidcTicketSchema = defineEntity({
  name: 'OidcTicket',
  tableName: 'oidc_tickets',
  repository: () => OidcTicketRepository,
  properties: (p) => ({
    id: uuidPrimaryKey(),
    /** Hex SHA-256 of the secret. */
    secretHash: p.string().length(64).unique('oidc_tickets_secret_hash_unique'),
    // A plain string rather than an enum: a new purpose needs no table rebuild on SQLite.
    purpose: p.string().length(16).$type<OidcTicketPurpose>(),
    provider: p.string().length(40),
    /** The signed-in user a `link` ticket or flow links to; the user a `sign_in` code signs in. */
    user: userReference().nullable(),
    /** `flow` only: the values the provider's answer is checked against. */
    state: p.string().length(128).nullable(),
    nonce: p.string().length(128).nullable(),
    codeVerifier: p.string().length(128).nullable(),
    /** `flow` only: the redirect URI sent to the provider, which the token request must repeat. */
    redirectUri: p.string().length(2048).nullable(),
    expiresAt: p.datetime(3),
    usedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
  }),
});

export type OidcTicket = InferEntity<typeof OidcTicketSchema>;
