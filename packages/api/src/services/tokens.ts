import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../errors.js';

export interface TokenConfig {
  accessSecret: string;
  refreshSecret: string;
  accessTtlMs: number;
  refreshTtlMs: number;
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
 * Signs and verifies the two token types. Each type has its own secret and a
 * `typ` claim, so one is never accepted in place of the other. Keys are
 * `KeyObject`s made once: jsonwebtoken verifies far faster with them than
 * with string secrets.
 */
export class TokenService {
  readonly #keys: Record<TokenType, KeyObject>;
  readonly #ttlMs: Record<TokenType, number>;

  constructor(private readonly config: TokenConfig) {
    this.#keys = {
      access: createSecretKey(Buffer.from(config.accessSecret, 'utf8')),
      refresh: createSecretKey(Buffer.from(config.refreshSecret, 'utf8')),
    };
    this.#ttlMs = { access: config.accessTtlMs, refresh: config.refreshTtlMs };
  }

  issueAccessToken(subject: { userId: string; sessionId: string }, now: Date): SignedToken {
    return this.#sign('access', subject, uuidv7(), now);
  }

  /** `tokenId` becomes the session's current refresh token id. */
  issueRefreshToken(subject: { userId: string; sessionId: string }, tokenId: string, now: Date): SignedToken {
    return this.#sign('refresh', subject, tokenId, now);
  }

  refreshExpiry(now: Date): Date {
    return new Date(expirySeconds(now, this.#ttlMs.refresh) * 1000);
  }

  verifyAccessToken(token: string): TokenClaims {
    return this.#verify('access', token);
  }

  verifyRefreshToken(token: string): TokenClaims {
    return this.#verify('refresh', token);
  }

  #sign(type: TokenType, subject: { userId: string; sessionId: string }, tokenId: string, now: Date): SignedToken {
    const exp = expirySeconds(now, this.#ttlMs[type]);
    const token = jwt.sign(
      { typ: type, sid: subject.sessionId, iat: Math.floor(now.getTime() / 1000), exp },
      this.#keys[type],
      {
        algorithm: ALGORITHM,
        subject: subject.userId,
        jwtid: tokenId,
        issuer: this.config.issuer,
        audience: this.config.audience,
      },
    );
    return { token, tokenId, expiresAt: exp * 1000 };
  }

  #verify(type: TokenType, token: string): TokenClaims {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.#keys[type], {
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
