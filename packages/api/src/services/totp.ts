import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 as authenticator apps implement it: HMAC-SHA-1, 6 digits, 30 s
 * steps, and one step of drift either way (a phone's clock a little off, a
 * code typed as it turned over).
 */
export const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
const DRIFT_STEPS = 1;
/** 160 bits: the key length RFC 4226 recommends for HMAC-SHA-1. */
const SECRET_BYTES = 20;

/** A new secret from the CSPRNG, base32 (what authenticator apps take). */
export function newTotpSecret(): string {
  return new Secret({ buffer: new Uint8Array(randomBytes(SECRET_BYTES)).buffer }).base32;
}

/** The `otpauth://totp/…` URL of a secret: what a QR code carries to the app. */
export function otpauthUrlOf(secret: string, account: string, issuer: string): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secret), ...TOTP_PARAMETERS }).toString();
}

/**
 * The time step whose code `code` is, within one step of `now`, else null.
 * The caller accepts it only if no code of this step or a later one was
 * accepted before (a code works once).
 */
export function stepOfCode(secret: string, code: string, now: Date): number | null {
  const timestamp = now.getTime();
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secret),
    ...TOTP_PARAMETERS,
    timestamp,
    window: DRIFT_STEPS,
  });
  return delta === null ? null : TOTP.counter({ period: TOTP_PARAMETERS.period, timestamp }) + delta;
}

/**
 * Encrypts TOTP secrets at rest with AES-256-GCM (MFA_ENCRYPTION_KEY): a
 * copy of the database alone gives no one a user's codes. Each secret has
 * its own random 96-bit IV, and the user id is bound in as associated data,
 * so a ciphertext copied onto another user's row does not decrypt.
 */
export class SecretCipher {
  static readonly KEY_BYTES = 32;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SecretCipher.KEY_BYTES) {
      throw new Error(`MFA_ENCRYPTION_KEY must be ${SecretCipher.KEY_BYTES} bytes (base64url); got ${key.length}`);
    }
    this.#key = key;
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, each base64url: printable, and versioned for a future key rotation. */
  encrypt(plaintext: string, ownerId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(ownerId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  decrypt(sealed: string, ownerId: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('unknown TOTP secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(ownerId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}
