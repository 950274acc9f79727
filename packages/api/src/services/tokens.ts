import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../errors.js';

export interface TokenConfig {
  accessSecret: string;
  refreshSecret: string;
  /** Secrets being rotated out: still accepted on verify, never used to sign. */
  previousAccessSecret?: string | undefined;
  previousRefreshSecret?: string | undefined;
  accessTtlMs: number;
  /** Idle timeout: each refresh extends the session by this much, up to its maximum age. */
  refreshTtlMs: number;
  /** Absolute session lifetime: no refresh extends a session past its creation + this. */
  sessionMaxAgeMs: number;
  issuer: string;
  audience: string;
}

type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  userId: string;
  sessionId: string;
  tokenId: string;
  expiresAt: number;
}

export interface SignedToken {
  token: string;
  tokenId: string;
  /** ms since the epoch, equal to the token's `exp` claim. */
  expiresAt: number;
}

const ALGORITHM = 'HS256';
/**
 * Access tokens kept after their signature checked out (VERIFIED_ACCESS_TOKENS
 * of them, the oldest going first). A client sends the same access token with
 * every call for its whole lifetime, and checking an HMAC signature again for
 * each is a visible share of a small call (bench/README.md); the expiry is still
 * checked every time, and the session query still runs on every call.
 */
export const VERIFIED_ACCESS_TOKENS_KEPT = 4096;
/** Every id we put in a token (user, session, token) is a UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface SigningKey {
  /** Names the secret in the token header, so verify picks the right one. */
  kid: string;
  key: KeyObject;
}

function signingKey(secret: string): SigningKey {
  // An HMAC of a constant, not the secret itself: the id reveals nothing.
  const kid = createHmac('sha256', secret).update('jwt key id').digest('base64url').slice(0, 16);
  return { kid, key: createSecretKey(Buffer.from(secret, 'utf8')) };
}

function keyIdOf(token: string): string | undefined {
  const header = token.slice(0, token.indexOf('.'));
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && 'kid' in parsed && typeof parsed.kid === 'string'
      ? parsed.kid
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs and verifies the two token types. Each type has its own secret and a
 * `typ` claim, so one is never accepted in place of the other. Keys are
 * `KeyObject`s made once: with a string secret jsonwebtoken makes a key
 * from it on every call. Tokens carry a `kid`: the current secret signs, and a
 * previous one still verifies, so secrets rotate without signing anyone out.
 */
export class TokenService {
  readonly #signing: Record<TokenType, SigningKey>;
  readonly #verifying: Record<TokenType, Map<string, KeyObject>>;
  readonly #ttlMs: Record<TokenType, number>;
  /** By the token's exact text: the same text always verifies the same way with the same keys, until `exp`. */
  readonly #verifiedAccess = new Map<string, Readonly<TokenClaims>>();

  constructor(private readonly config: TokenConfig) {
    const keys = (current: string, previous: string | undefined) => {
      const all = [signingKey(current), ...(previous ? [signingKey(previous)] : [])];
      return { signing: all[0] as SigningKey, verifying: new Map(all.map((k) => [k.kid, k.key])) };
    };
    const access = keys(config.accessSecret, config.previousAccessSecret);
    const refresh = keys(config.refreshSecret, config.previousRefreshSecret);
    this.#signing = { access: access.signing, refresh: refresh.signing };
    this.#verifying = { access: access.verifying, refresh: refresh.verifying };
    this.#ttlMs = { access: config.accessTtlMs, refresh: config.refreshTtlMs };
  }

  issueAccessToken(subject: { userId: string; sessionId: string }, now: Date): SignedToken {
    return this.#sign('access', subject, uuidv7(), now);
  }

  /**
   * `tokenId` becomes the session's current refresh token id; `expiresAt`
   * (from `refreshExpiry`) is the session's, so token and session end together.
   */
  issueRefreshToken(
    subject: { userId: string; sessionId: string },
    tokenId: string,
    now: Date,
    expiresAt: Date = this.refreshExpiry(now, now),
  ): SignedToken {
    return this.#sign('refresh', subject, tokenId, now, Math.floor(expiresAt.getTime() / 1000));
  }

  /** When a refresh made `now` lets a session created at `sessionCreatedAt` end: idle timeout or maximum age, the earlier. */
  refreshExpiry(now: Date, sessionCreatedAt: Date): Date {
    const idle = expirySeconds(now, this.#ttlMs.refresh);
    const absolute = expirySeconds(sessionCreatedAt, this.config.sessionMaxAgeMs);
    return new Date(Math.min(idle, absolute) * 1000);
  }

  /**
   * The claims of a genuine, unexpired access token; else INVALID_TOKEN. A
   * token verified before is not checked again until it expires: the keys
   * are fixed for the life of the service, so its signature, issuer,
   * audience and type cannot stop checking out, and its expiry is checked on
   * every call, as jsonwebtoken checks it (`exp` is exclusive). Whether its
   * session is alive is the caller's question, asked every time.
   */
  verifyAccessToken(token: string): Readonly<TokenClaims> {
    const known = this.#verifiedAccess.get(token);
    if (known && Date.now() < known.expiresAt) return known;
    this.#verifiedAccess.delete(token);
    const claims = Object.freeze(this.#verify('access', token));
    if (this.#verifiedAccess.size >= VERIFIED_ACCESS_TOKENS_KEPT) {
      this.#verifiedAccess.delete(this.#verifiedAccess.keys().next().value as string);
    }
    this.#verifiedAccess.set(token, claims);
    return claims;
  }

  /** Access tokens kept as verified (tests). */
  get verifiedAccessTokensKept(): number {
    return this.#verifiedAccess.size;
  }

  verifyRefreshToken(token: string): TokenClaims {
    return this.#verify('refresh', token);
  }

  #sign(
    type: TokenType,
    subject: { userId: string; sessionId: string },
    tokenId: string,
    now: Date,
    exp = expirySeconds(now, this.#ttlMs[type]),
  ): SignedToken {
    const token = jwt.sign(
      { typ: type, sid: subject.sessionId, iat: Math.floor(now.getTime() / 1000), exp },
      this.#signing[type].key,
      {
        algorithm: ALGORITHM,
        keyid: this.#signing[type].kid,
        subject: subject.userId,
        jwtid: tokenId,
        issuer: this.config.issuer,
        audience: this.config.audience,
      },
    );
    return { token, tokenId, expiresAt: exp * 1000 };
  }

  #verify(type: TokenType, token: string): TokenClaims {
    const key = this.#verifying[type].get(keyIdOf(token) ?? '');
    if (!key) throw new AppError('INVALID_TOKEN', `Invalid ${type} token`);
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, key, {
        algorithms: [ALGORITHM],
        issuer: this.config.issuer,
        audience: this.config.audience,
      });
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new AppError('INVALID_TOKEN', expired ? `The ${type} token has expired` : `Invalid ${type} token`);
    }
    if (
      typeof payload === 'string' ||
      payload.typ !== type ||
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string' ||
      typeof payload.jti !== 'string' ||
      // Anything else never came from us, even correctly signed: refused before it reaches a query.
      !UUID.test(payload.sub) ||
      !UUID.test(payload.sid) ||
      !UUID.test(payload.jti) ||
      typeof payload.exp !== 'number'
    ) {
      throw new AppError('INVALID_TOKEN', `Invalid ${type} token`);
    }
    return { userId: payload.sub, sessionId: payload.sid, tokenId: payload.jti, expiresAt: payload.exp * 1000 };
  }
}

function expirySeconds(now: Date, ttlMs: number): number {
  return Math.floor((now.getTime() + ttlMs) / 1000);
}
