import { EntityRepository } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { OidcTicket, OidcTicketPurpose } from '../entities/oidc-ticket.entity.js';

export interface NewOidcTicket {
  secretHash: string;
  purpose: OidcTicketPurpose;
  provider: string;
  userId: string | null;
  state?: string | null;
  nonce?: string | null;
  codeVerifier?: string | null;
  redirectUri?: string | null;
  expiresAt: Date;
  now: Date;
}

export class OidcTicketRepository extends EntityRepository<OidcTicket> {
  async issue(ticket: NewOidcTicket): Promise<void> {
    await this.insert({
      id: uuidv7(),
      secretHash: ticket.secretHash,
      purpose: ticket.purpose,
      provider: ticket.provider,
      user: ticket.userId,
      state: ticket.state ?? null,
      nonce: ticket.nonce ?? null,
      codeVerifier: ticket.codeVerifier ?? null,
      redirectUri: ticket.redirectUri ?? null,
      expiresAt: ticket.expiresAt,
      usedAt: null,
      createdAt: ticket.now,
    });
  }

  /**
   * Marks the ticket used if it is live (unused, unexpired, of this purpose
   * and provider) and returns it; else null. The conditional update decides:
   * of two requests racing with one secret, exactly one gets the ticket.
   */
  async spend(
    secretHash: string,
    purpose: OidcTicketPurpose,
    provider: string | undefined,
    now: Date,
  ): Promise<OidcTicket | null> {
    const ticket = await this.findOne({ secretHash, purpose, ...(provider ? { provider } : {}) });
    if (!ticket) return null;
    const affected = await this.nativeUpdate({ id: ticket.id, usedAt: null, expiresAt: { $gt: now } }, { usedAt: now });
    return affected === 1 ? ticket : null;
  }

  /** Deletes the tickets that can never be spent again: used and expired ones. */
  deleteSpentOrExpired(now: Date): Promise<number> {
    return this.nativeDelete({ $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lte: now } }] });
  }
}
