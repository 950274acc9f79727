import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseDurationMs } from '../src/config.js';

const ACCESS = 'a'.repeat(32);
const REFRESH = 'r'.repeat(32);
const PROD = { NODE_ENV: 'production', JWT_ACCESS_SECRET: ACCESS, JWT_REFRESH_SECRET: REFRESH };

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env, '/repo');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected parseConfig to refuse ${JSON.stringify(env)}`);
}

describe('parseConfig', () => {
  it("TRANSPORT: the fast transport unless the bench asks for tRPC's stock adapter; other values are refused", () => {
    expect(parseConfig({}, '/repo').transport).toBe('fast');
    expect(parseConfig({ TRANSPORT: 'stock' }, '/repo').transport).toBe('stock');
    expect(errorOf({ TRANSPORT: 'express' }).message).toContain('TRANSPORT');
  });

  it('refuses production without JWT secrets, naming both variables', () => {
    const { message } = errorOf({ NODE_ENV: 'production' });
    expect(message).toContain('JWT_ACCESS_SECRET');
    expect(message).toContain('JWT_REFRESH_SECRET');
  });

  it('refuses production with only one JWT secret, naming the missing one', () => {
    const { message } = errorOf({ NODE_ENV: 'production', JWT_ACCESS_SECRET: ACCESS });
    expect(message).toContain('JWT_REFRESH_SECRET');
    expect(message).not.toContain('JWT_ACCESS_SECRET');
  });

  it('treats empty secrets as missing', () => {
    const { message } = errorOf({ NODE_ENV: 'production', JWT_ACCESS_SECRET: '', JWT_REFRESH_SECRET: '' });
    expect(message).toContain('JWT_ACCESS_SECRET');
    expect(message).toContain('JWT_REFRESH_SECRET');
  });

  it('refuses secrets shorter than 32 bytes, in any environment', () => {
    for (const NODE_ENV of ['production', 'development']) {
      const { message } = errorOf({ NODE_ENV, JWT_ACCESS_SECRET: 'a'.repeat(31), JWT_REFRESH_SECRET: REFRESH });
      expect(message).toMatch(/JWT_ACCESS_SECRET: must be at least 32 bytes/);
    }
    // Bytes, not characters: 16 two-byte letters are 32 bytes.
    expect(parseConfig({ ...PROD, JWT_ACCESS_SECRET: 'é'.repeat(16) }, '/repo').jwt.accessSecret).toBe('é'.repeat(16));
  });

  it('refuses the same secret for both token types', () => {
    expect(errorOf({ ...PROD, JWT_REFRESH_SECRET: ACCESS }).message).toContain('JWT_REFRESH_SECRET');
  });

  it('refuses BCRYPT_COST below 10 in production, and allows it in development', () => {
    expect(errorOf({ ...PROD, BCRYPT_COST: '9' }).message).toContain('BCRYPT_COST');
    expect(parseConfig({ ...PROD, BCRYPT_COST: '10' }, '/repo').bcryptCost).toBe(10);
    expect(parseConfig({ NODE_ENV: 'development', BCRYPT_COST: '4' }, '/repo').bcryptCost).toBe(4);
  });

  it('refuses CORS_ORIGINS containing "*" or a path', () => {
    for (const CORS_ORIGINS of [
      '*',
      'https://app.example.com,*',
      'https://app.example.com/',
      'https://app.example.com/x',
    ]) {
      expect(errorOf({ ...PROD, CORS_ORIGINS }).message, CORS_ORIGINS).toContain('CORS_ORIGINS');
    }
  });

  it('accepts exact CORS origins, trimmed', () => {
    const config = parseConfig({ ...PROD, CORS_ORIGINS: ' https://a.example.com , http://localhost:5173 ' }, '/repo');
    expect(config.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
  });

  it('allows no CORS origin by default in production, and the dev origins in development', () => {
    expect(parseConfig(PROD, '/repo').corsOrigins).toEqual([]);
    expect(parseConfig({ NODE_ENV: 'development' }, '/repo').corsOrigins.length).toBeGreaterThan(0);
  });

  it('refuses a bad ACCESS_TOKEN_TTL or REFRESH_TOKEN_TTL', () => {
    for (const ttl of ['15', 'soon', '15 minutes', '0m', '-5m']) {
      expect(errorOf({ ...PROD, ACCESS_TOKEN_TTL: ttl }).message, ttl).toContain('ACCESS_TOKEN_TTL');
    }
    expect(errorOf({ ...PROD, REFRESH_TOKEN_TTL: '30 days' }).message).toContain('REFRESH_TOKEN_TTL');
  });

  it('reads the token lifetimes, defaulting to 15m and 30d', () => {
    expect(parseConfig(PROD, '/repo').jwt).toMatchObject({ accessTtlMs: 15 * 60_000, refreshTtlMs: 30 * 86_400_000 });
    expect(parseConfig({ ...PROD, ACCESS_TOKEN_TTL: '90s', REFRESH_TOKEN_TTL: '12h' }, '/repo').jwt).toMatchObject({
      accessTtlMs: 90_000,
      refreshTtlMs: 12 * 3_600_000,
    });
    expect(parseDurationMs('250ms')).toBe(250);
  });

  it('generates distinct secrets in development when none are set', () => {
    const config = parseConfig({ NODE_ENV: 'development' }, '/repo');
    expect(config.jwt.isGenerated).toBe(true);
    expect(Buffer.byteLength(config.jwt.accessSecret)).toBeGreaterThanOrEqual(32);
    expect(Buffer.byteLength(config.jwt.refreshSecret)).toBeGreaterThanOrEqual(32);
    expect(config.jwt.accessSecret).not.toBe(config.jwt.refreshSecret);
    expect(parseConfig({ NODE_ENV: 'development' }, '/repo').jwt.accessSecret).not.toBe(config.jwt.accessSecret);
  });

  it('uses the given secrets in production', () => {
    const config = parseConfig(PROD, '/repo');
    expect(config.isProduction).toBe(true);
    expect(config.jwt).toMatchObject({ accessSecret: ACCESS, refreshSecret: REFRESH, isGenerated: false });
  });

  it('names every bad variable at once', () => {
    const { message } = errorOf({ NODE_ENV: 'production', BCRYPT_COST: '4', ACCESS_TOKEN_TTL: 'x', CORS_ORIGINS: '*' });
    for (const name of ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET', 'BCRYPT_COST', 'ACCESS_TOKEN_TTL', 'CORS_ORIGINS']) {
      expect(message).toContain(name);
    }
  });
});
