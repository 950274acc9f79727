import { trace } from '@opentelemetry/api';
import bcrypt from 'bcrypt';
import { inSpan } from '../tracing.js';

const tracer = trace.getTracer('@repo/api');

/**
 * The stored hash of an account made through an identity provider, which has
 * no password until a reset sets one. No bcrypt hash looks like it (they
 * start with `$2`), so no password can ever match it; the column stays NOT
 * NULL on every dialect (SQLite cannot relax it without rebuilding `users`).
 */
export const NO_PASSWORD_HASH = '!no-password';

/** Whether the account has a password at all. */
export function hasPassword(hash: string): boolean {
  return hash.startsWith('$2');
}

export class PasswordHasher {
  #dummyHash: Promise<string> | undefined;

  constructor(readonly cost: number) {}

  hash(password: string): Promise<string> {
    return inSpan(tracer, 'bcrypt.hash', { 'bcrypt.cost': this.cost }, () => bcrypt.hash(password, this.cost));
  }

  /** False for an account without a password, after a comparison as long as a real one. */
  verify(password: string, hash: string): Promise<boolean> {
    return hasPassword(hash)
      ? inSpan(tracer, 'bcrypt.compare', { 'bcrypt.cost': this.cost }, () => bcrypt.compare(password, hash))
      : this.verifyUnknownUser(password);
  }

  /** Whether a stored hash was made at a lower cost than today's (so a login should hash the password again). */
  isWeakerThanCost(hash: string): boolean {
    try {
      return bcrypt.getRounds(hash) < this.cost;
    } catch {
      // Not a bcrypt hash: verify has refused it anyway.
      return false;
    }
  }

  /**
   * For an unknown username: one comparison at the same cost as a real one,
   * against a fixed hash made once, so response time does not reveal which
   * accounts exist. Always false.
   */
  async verifyUnknownUser(password: string): Promise<false> {
    const dummy = await this.dummyHash();
    await inSpan(tracer, 'bcrypt.compare', { 'bcrypt.cost': this.cost }, () => bcrypt.compare(password, dummy));
    return false;
  }

  /**
   * Makes the dummy hash (one hash at full cost). Servers await this before
   * they listen: made on demand, it would make the first unknown-user login
   * cost a hash more than any other, which tells that the account is unknown.
   */
  async warmUp(): Promise<void> {
    await this.dummyHash();
  }

  private dummyHash(): Promise<string> {
    this.#dummyHash ??= this.hash('no such user: dummy password');
    return this.#dummyHash;
  }
}
