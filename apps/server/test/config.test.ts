import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { THROTTLE_BUDGETS } from '@repo/api';
import { DEFAULT_DATABASE_TIMEOUTS } from '@repo/db';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ConfigError, keepGeneratedSecrets, parseConfig, parseDurationMs } from '../src/config.js';

const ACCESS = 'a'.repeat(32);
const REFRESH = 'r'.repeat(32);
const REPO_ROOT = join(import.meta.dirname, '../../..');
const MFA_KEY = Buffer.alloc(32, 7).toString('base64url');
const PROD = {
  NODE_ENV: 'production',
  JWT_ACCESS_SECRET: ACCESS,
  JWT_REFRESH_SECRET: REFRESH,
  MFA_ENCRYPTION_KEY: MFA_KEY,
};

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

  it('reads the throttle budgets and window, with the documented defaults', () => {
    expect(parseConfig({}, '/repo').throttle).toEqual({
      windowSeconds: 900,
      maxFailuresPerUsernameAddress: 10,
      maxFailuresPerUsername: 100,
      maxFailuresPerAddress: 100,
      maxRegistrationsPerAddress: 20,
      maxResetRequestsPerEmail: 5,
      maxResetRequestsPerAddress: 20,
      maxVerificationMailsPerUser: 5,
      maxMailsPerRecipient: 5,
      maxOidcPerAddress: 60,
    });
    const set = parseConfig(
      {
        THROTTLE_WINDOW: '1h',
        THROTTLE_LOGIN_PER_USERNAME_ADDRESS: '6',
        THROTTLE_LOGIN_PER_USERNAME: '5',
        THROTTLE_LOGIN_PER_ADDRESS: '50',
        THROTTLE_REGISTER_PER_ADDRESS: '3',
        THROTTLE_RESET_PER_EMAIL: '2',
        THROTTLE_RESET_PER_ADDRESS: '7',
        THROTTLE_VERIFY_PER_USER: '4',
        THROTTLE_MAIL_PER_RECIPIENT: '8',
        THROTTLE_OIDC_PER_ADDRESS: '9',
      },
      '/repo',
    );
    expect(set.throttle).toEqual({
      windowSeconds: 3600,
      maxFailuresPerUsernameAddress: 6,
      maxFailuresPerUsername: 5,
      maxFailuresPerAddress: 50,
      maxRegistrationsPerAddress: 3,
      maxResetRequestsPerEmail: 2,
      maxResetRequestsPerAddress: 7,
      maxVerificationMailsPerUser: 4,
      maxMailsPerRecipient: 8,
      maxOidcPerAddress: 9,
    });
  });

  it('reads the identity providers of OIDC_PROVIDERS, naming each missing or bad variable', () => {
    expect(parseConfig({}, '/repo').oidc).toEqual({ providers: [], devPort: undefined });
    const google = {
      OIDC_PROVIDERS: 'Google, keycloak',
      OIDC_GOOGLE_ISSUER: 'https://accounts.google.com',
      OIDC_GOOGLE_CLIENT_ID: 'id',
      OIDC_GOOGLE_CLIENT_SECRET: 'secret',
      OIDC_KEYCLOAK_ISSUER: 'https://sso.example.com/realms/app',
      OIDC_KEYCLOAK_CLIENT_ID: 'app',
      OIDC_KEYCLOAK_CLIENT_SECRET: 'secret',
      OIDC_KEYCLOAK_LABEL: 'Company SSO',
    };
    expect(parseConfig(google, '/repo').oidc.providers).toEqual([
      {
        name: 'google',
        label: 'Google',
        issuer: 'https://accounts.google.com',
        clientId: 'id',
        clientSecret: 'secret',
      },
      {
        name: 'keycloak',
        label: 'Company SSO',
        issuer: 'https://sso.example.com/realms/app',
        clientId: 'app',
        clientSecret: 'secret',
      },
    ]);
    const missing = errorOf({ OIDC_PROVIDERS: 'google', OIDC_GOOGLE_ISSUER: 'https://accounts.google.com' }).message;
    expect(missing).toMatch(/OIDC_GOOGLE_CLIENT_ID: is required/);
    expect(missing).toMatch(/OIDC_GOOGLE_CLIENT_SECRET: is required/);
    expect(errorOf({ ...google, OIDC_GOOGLE_ISSUER: 'accounts.google.com' }).message).toMatch(/OIDC_GOOGLE_ISSUER/);
    expect(errorOf({ OIDC_PROVIDERS: 'bad name!' }).message).toMatch(/OIDC_PROVIDERS/);
    expect(errorOf({ ...PROD, ...google, OIDC_GOOGLE_ISSUER: 'http://idp.test' }).message).toMatch(
      /OIDC_GOOGLE_ISSUER: must be an https:\/\/ URL in production/,
    );
    expect(errorOf({ ...PROD, OIDC_DEV: '1' }).message).toMatch(/OIDC_DEV: is for development only/);
    expect(parseConfig({ OIDC_DEV: '1' }, '/repo').oidc.devPort).toBe(3010);
    expect(errorOf({ API_URL: 'https://api.example.com/v1' }).message).toMatch(/API_URL/);
    expect(parseConfig({ API_URL: 'https://api.example.com' }, '/repo').apiUrl).toBe('https://api.example.com');
  });

  it('refuses a bad budget with a message naming its variable', () => {
    for (const env of THROTTLE_BUDGETS.map((entry) => entry.env)) {
      for (const value of ['0', '-1', 'ten', '2.5']) {
        expect(errorOf({ [env]: value }).message, `${env}=${value}`).toMatch(new RegExp(`${env}\\b`));
      }
    }
  });

  it('lists every budget in .env and in the server README with its default', () => {
    const dotEnv = readFileSync(join(REPO_ROOT, '.env'), 'utf8');
    const readme = readFileSync(join(REPO_ROOT, 'apps/server/README.md'), 'utf8');
    for (const entry of THROTTLE_BUDGETS) {
      expect(dotEnv).toContain(`\n${entry.env}=${entry.default}\n`);
      expect(readme).toMatch(new RegExp(`\`${entry.env}\`[^\\n]*\\| ${entry.default} \\|`));
    }
    expect(dotEnv).toContain('\nREDIS_KEY_PREFIX=\n');
  });

  it('reads REDIS_KEY_PREFIX, empty by default, and refuses one with spaces', () => {
    expect(parseConfig({}, '/repo').redisKeyPrefix).toBe('');
    expect(parseConfig({ REDIS_KEY_PREFIX: 'shop:staging:' }, '/repo').redisKeyPrefix).toBe('shop:staging:');
    expect(errorOf({ REDIS_KEY_PREFIX: 'has space' }).message).toMatch(/REDIS_KEY_PREFIX/);
  });

  it('reads SMTP_URL, MAIL_FROM and APP_URL, and refuses an SMTP_URL of another scheme', () => {
    expect(parseConfig({}, '/repo').mail).toEqual({
      smtpUrl: undefined,
      from: 'Auth API <no-reply@localhost>',
      appUrl: 'http://localhost:5173/',
    });
    const set = parseConfig(
      {
        SMTP_URL: 'smtps://mailer:secret@smtp.example.com:465',
        MAIL_FROM: 'Example <no-reply@example.com>',
        APP_URL: 'https://app.example.com/',
      },
      '/repo',
    );
    expect(set.mail).toEqual({
      smtpUrl: 'smtps://mailer:secret@smtp.example.com:465',
      from: 'Example <no-reply@example.com>',
      appUrl: 'https://app.example.com/',
    });
    expect(errorOf({ SMTP_URL: 'http://smtp.example.com' }).message).toContain('SMTP_URL');
    expect(errorOf({ APP_URL: 'ftp://app.example.com' }).message).toContain('APP_URL');
  });

  it('refuses production with SMTP_URL but no APP_URL: links in mail would lead to localhost', () => {
    const SMTP_URL = 'smtps://mailer:secret@smtp.example.com:465';
    expect(errorOf({ ...PROD, SMTP_URL }).message).toMatch(/APP_URL: is required in production when SMTP_URL is set/);
    // Without SMTP_URL no mail is sent, and development keeps its default.
    expect(parseConfig(PROD, '/repo').mail.appUrl).toBe('http://localhost:5173/');
    expect(parseConfig({ SMTP_URL }, '/repo').mail.appUrl).toBe('http://localhost:5173/');
  });

  it('refuses production with SMTP_URL and an APP_URL that is not https://', () => {
    const SMTP_URL = 'smtp://mailer:secret@smtp.example.com:587';
    const { message } = errorOf({ ...PROD, SMTP_URL, APP_URL: 'http://app.example.com/' });
    expect(message).toContain('APP_URL: must be an https:// URL in production when SMTP_URL is set');
    expect(message).toContain('http://app.example.com/');
    expect(parseConfig({ ...PROD, SMTP_URL, APP_URL: 'https://app.example.com/' }, '/repo').mail.appUrl).toBe(
      'https://app.example.com/',
    );
    // Development sends mail to http://localhost as it likes.
    expect(parseConfig({ SMTP_URL, APP_URL: 'http://localhost:5173/' }, '/repo').mail.appUrl).toBe(
      'http://localhost:5173/',
    );
    // A bad APP_URL is named once, for what it is.
    expect(errorOf({ ...PROD, SMTP_URL, APP_URL: 'ftp://app.example.com' }).message).toMatch(
      /APP_URL: must be the web app's http\(s\) URL[^\n]*$/,
    );
  });

  it("WEBAUTHN_*: the relying party defaults to APP_URL's host and origin, and each variable can be set", () => {
    expect(parseConfig({}, '/repo').webauthn).toEqual({
      rpId: 'localhost',
      rpName: 'Auth API',
      origins: ['http://localhost:5173'],
    });
    expect(parseConfig({ APP_URL: 'https://app.example.com/' }, '/repo').webauthn).toEqual({
      rpId: 'app.example.com',
      rpName: 'Auth API',
      origins: ['https://app.example.com'],
    });
    const set = parseConfig(
      {
        APP_URL: 'https://app.example.com/',
        WEBAUTHN_RP_ID: 'Example.com',
        WEBAUTHN_RP_NAME: 'Example',
        WEBAUTHN_ORIGINS: 'https://app.example.com, https://www.example.com',
      },
      '/repo',
    );
    expect(set.webauthn).toEqual({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://app.example.com', 'https://www.example.com'],
    });
  });

  it('refuses passkey origins that are not https:// (plain http on localhost alone), with a clear error', () => {
    const { message } = errorOf({ WEBAUTHN_ORIGINS: 'https://app.example.com,http://app.example.com' });
    expect(message).toContain(
      'WEBAUTHN_ORIGINS: "http://app.example.com" is not https:// (plain http is allowed on localhost only: passkeys need a secure context)',
    );
    expect(errorOf({ WEBAUTHN_ORIGINS: 'http://127.0.0.1:5173' }).message).toContain(
      '"http://127.0.0.1:5173" is not https://',
    );
    expect(parseConfig({ WEBAUTHN_ORIGINS: 'http://localhost:3000' }, '/repo').webauthn.origins).toEqual([
      'http://localhost:3000',
    ]);
    expect(errorOf({ WEBAUTHN_ORIGINS: 'https://app.example.com/path' }).message).toContain('is not an exact origin');
    // Derived from APP_URL: the message says where the origin came from.
    expect(errorOf({ APP_URL: 'http://app.example.com/' }).message).toMatch(
      /WEBAUTHN_ORIGINS: "http:\/\/app.example.com" is not https:\/\/.*APP_URL's origin, as WEBAUTHN_ORIGINS is unset/,
    );
  });

  it('refuses an RP ID that is not the host (or a parent domain) of every passkey origin', () => {
    const { message } = errorOf({ WEBAUTHN_RP_ID: 'example.org', WEBAUTHN_ORIGINS: 'https://app.example.com' });
    expect(message).toContain('WEBAUTHN_RP_ID: "example.org" must be the host of every WEBAUTHN_ORIGINS origin');
    expect(errorOf({ WEBAUTHN_RP_ID: 'https://example.com' }).message).toContain('WEBAUTHN_RP_ID: must be a domain');
    // "notexample.com" is not under "example.com".
    expect(errorOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://notexample.com' }).message).toContain(
      'WEBAUTHN_RP_ID',
    );
  });

  it('refuses throttle budgets that are not whole numbers of at least 1, naming each variable', () => {
    const { message } = errorOf({
      THROTTLE_LOGIN_PER_USERNAME: '0',
      THROTTLE_LOGIN_PER_ADDRESS: 'many',
      THROTTLE_REGISTER_PER_ADDRESS: '2.5',
    });
    expect(message).toContain('THROTTLE_LOGIN_PER_USERNAME');
    expect(message).toContain('THROTTLE_LOGIN_PER_ADDRESS');
    expect(message).toContain('THROTTLE_REGISTER_PER_ADDRESS');
  });

  it('refuses a THROTTLE_WINDOW that is not a duration of whole seconds', () => {
    expect(errorOf({ THROTTLE_WINDOW: 'soon' }).message).toMatch(/THROTTLE_WINDOW: must be a duration/);
    expect(errorOf({ THROTTLE_WINDOW: '1500ms' }).message).toMatch(/THROTTLE_WINDOW: must be whole seconds/);
  });

  it('reads SESSION_MAX_AGE (30 days by default) and refuses a REFRESH_TOKEN_TTL longer than it', () => {
    expect(parseConfig({}, '/repo').jwt.sessionMaxAgeMs).toBe(30 * 86_400_000);
    const config = parseConfig({ SESSION_MAX_AGE: '7d', REFRESH_TOKEN_TTL: '1d' }, '/repo');
    expect(config.jwt).toMatchObject({ sessionMaxAgeMs: 7 * 86_400_000, refreshTtlMs: 86_400_000 });
    expect(errorOf({ SESSION_MAX_AGE: '7d' }).message).toMatch(/REFRESH_TOKEN_TTL: must not exceed SESSION_MAX_AGE/);
    expect(errorOf({ SESSION_MAX_AGE: 'forever' }).message).toContain('SESSION_MAX_AGE');
  });

  it('reads SESSION_MAX_PER_USER (20) and REFRESH_REUSE_GRACE (10s, 0 turning it off), as .env sets them', () => {
    expect(parseConfig({}, '/repo').sessions).toEqual({ maxPerUser: 20, refreshReuseGraceMs: 10_000 });
    const dotEnv = parseEnv(readFileSync(join(import.meta.dirname, '../../../.env'), 'utf8'));
    expect(
      parseConfig(
        { SESSION_MAX_PER_USER: dotEnv.SESSION_MAX_PER_USER, REFRESH_REUSE_GRACE: dotEnv.REFRESH_REUSE_GRACE },
        '/repo',
      ).sessions,
    ).toEqual(parseConfig({}, '/repo').sessions);
    expect(parseConfig({ SESSION_MAX_PER_USER: '3', REFRESH_REUSE_GRACE: '0' }, '/repo').sessions).toEqual({
      maxPerUser: 3,
      refreshReuseGraceMs: 0,
    });
    expect(parseConfig({ REFRESH_REUSE_GRACE: '1500ms' }, '/repo').sessions.refreshReuseGraceMs).toBe(1500);
  });

  it('refuses a bad SESSION_MAX_PER_USER or REFRESH_REUSE_GRACE, naming the variable', () => {
    for (const value of ['0', '-1', '2.5', 'many']) {
      expect(errorOf({ SESSION_MAX_PER_USER: value }).message).toMatch(
        /SESSION_MAX_PER_USER: must be a whole number of sessions, at least 1/,
      );
    }
    for (const value of ['soon', '-5s', '2m', '10']) {
      expect(errorOf({ REFRESH_REUSE_GRACE: value }).message).toMatch(
        /REFRESH_REUSE_GRACE: must be 0 \(off\) or a duration such as 10s, at most 60s/,
      );
    }
  });

  it('reads AUDIT_RETENTION (400 days, as .env sets it) and refuses what is no duration, naming it', () => {
    expect(parseConfig({}, '/repo').auditRetentionMs).toBe(400 * 86_400_000);
    const dotEnv = parseEnv(readFileSync(join(import.meta.dirname, '../../../.env'), 'utf8'));
    expect(parseConfig({ AUDIT_RETENTION: dotEnv.AUDIT_RETENTION }, '/repo').auditRetentionMs).toBe(400 * 86_400_000);
    expect(parseConfig({ AUDIT_RETENTION: '90d' }, '/repo').auditRetentionMs).toBe(90 * 86_400_000);
    for (const value of ['forever', '0', '-1d', '400']) {
      expect(errorOf({ AUDIT_RETENTION: value }).message).toMatch(
        /AUDIT_RETENTION: must be a duration such as 30s, 15m, 12h or 30d/,
      );
    }
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

  it("reads the database bounds, defaulting to @repo/db's, and refuses a bad one by name", () => {
    expect(parseConfig(PROD, '/repo').databaseTimeouts).toEqual(DEFAULT_DATABASE_TIMEOUTS);
    const env = {
      DB_CONNECT_TIMEOUT: '1s',
      DB_ACQUIRE_TIMEOUT: '250ms',
      DB_QUERY_TIMEOUT: '1m',
      DB_PING_TIMEOUT: '3s',
    };
    expect(parseConfig({ ...PROD, ...env }, '/repo').databaseTimeouts).toEqual({
      connectTimeoutMs: 1_000,
      acquireTimeoutMs: 250,
      queryTimeoutMs: 60_000,
      pingTimeoutMs: 3_000,
    });
    for (const name of Object.keys(env)) {
      for (const bad of ['5', '0s', '-1s', 'soon']) {
        expect(errorOf({ ...PROD, [name]: bad }).message, `${name}=${bad}`).toContain(name);
      }
    }
  });

  it('generates distinct secrets in development when none are set', () => {
    const config = parseConfig({ NODE_ENV: 'development' }, '/repo');
    expect(config.jwt.isGenerated).toBe(true);
    expect(Buffer.byteLength(config.jwt.accessSecret)).toBeGreaterThanOrEqual(32);
    expect(Buffer.byteLength(config.jwt.refreshSecret)).toBeGreaterThanOrEqual(32);
    expect(config.jwt.accessSecret).not.toBe(config.jwt.refreshSecret);
    expect(parseConfig({ NODE_ENV: 'development' }, '/repo').jwt.accessSecret).not.toBe(config.jwt.accessSecret);
  });

  it('keeps generated development secrets in .env.local, so the next start signs with the same ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
    try {
      writeFileSync(join(root, '.env.local'), 'DATABASE_URL=sqlite:mine.sqlite\n');
      const first = parseConfig({ NODE_ENV: 'development' }, root);
      expect(keepGeneratedSecrets(first)).toBe(join(root, '.env.local'));
      const saved = parseEnv(readFileSync(join(root, '.env.local'), 'utf8'));
      // What was there stays; the secrets are added.
      expect(saved.DATABASE_URL).toBe('sqlite:mine.sqlite');
      const next = parseConfig({ NODE_ENV: 'development', ...saved }, root);
      expect(next.jwt).toMatchObject({
        accessSecret: first.jwt.accessSecret,
        refreshSecret: first.jwt.refreshSecret,
        isGenerated: false,
      });
      // Nothing generated this time: nothing more is written.
      expect(keepGeneratedSecrets(next)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('never writes secrets in production', () => {
    const root = mkdtempSync(join(tmpdir(), 'prod-secrets-'));
    try {
      const config = { ...parseConfig({ NODE_ENV: 'development' }, root), isProduction: true };
      expect(keepGeneratedSecrets(config)).toBeUndefined();
      expect(() => readFileSync(join(root, '.env.local'))).toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('uses the given secrets in production', () => {
    const config = parseConfig(PROD, '/repo');
    expect(config.isProduction).toBe(true);
    expect(config.jwt).toMatchObject({ accessSecret: ACCESS, refreshSecret: REFRESH, isGenerated: false });
    expect(config.mfa).toEqual({ encryptionKey: MFA_KEY, isGenerated: false });
  });

  it('refuses production without MFA_ENCRYPTION_KEY, saying how to make one', () => {
    const { MFA_ENCRYPTION_KEY: _unset, ...withoutKey } = PROD;
    expect(errorOf(withoutKey).message).toMatch(
      /MFA_ENCRYPTION_KEY: is required in production: 32 random bytes as base64url/,
    );
  });

  it('refuses an MFA_ENCRYPTION_KEY that is not 32 bytes of base64url, in any environment', () => {
    for (const key of [Buffer.alloc(16).toString('base64url'), Buffer.alloc(32).toString('base64'), 'not a key!']) {
      expect(errorOf({ ...PROD, NODE_ENV: 'development', MFA_ENCRYPTION_KEY: key }).message, key).toMatch(
        /MFA_ENCRYPTION_KEY: must be 32 random bytes as base64url/,
      );
    }
  });

  it('generates an MFA_ENCRYPTION_KEY of 32 bytes in development and keeps it in .env.local', () => {
    const root = mkdtempSync(join(tmpdir(), 'dev-mfa-key-'));
    try {
      const first = parseConfig(
        { NODE_ENV: 'development', JWT_ACCESS_SECRET: ACCESS, JWT_REFRESH_SECRET: REFRESH },
        root,
      );
      expect(first.mfa.isGenerated).toBe(true);
      expect(Buffer.from(first.mfa.encryptionKey, 'base64url')).toHaveLength(32);
      expect(keepGeneratedSecrets(first)).toBe(join(root, '.env.local'));
      const saved = parseEnv(readFileSync(join(root, '.env.local'), 'utf8'));
      expect(saved).toEqual({ MFA_ENCRYPTION_KEY: first.mfa.encryptionKey });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('trusts no proxy by default, and for false or a hop count of 0', () => {
    expect(parseConfig(PROD, '/repo').trustProxy).toBe(false);
    for (const TRUST_PROXY of ['', 'false', 'FALSE', ' false ', '0']) {
      expect(parseConfig({ ...PROD, TRUST_PROXY }, '/repo').trustProxy, TRUST_PROXY).toBe(false);
    }
  });

  it('refuses TRUST_PROXY=true, telling to set a hop count instead', () => {
    for (const TRUST_PROXY of ['true', 'TRUE', ' True ']) {
      expect(errorOf({ ...PROD, TRUST_PROXY }).message, TRUST_PROXY).toMatch(
        /TRUST_PROXY: must not be true.*hop count/s,
      );
    }
  });

  it('reads a TRUST_PROXY hop count as a number, as Express needs it', () => {
    expect(parseConfig({ ...PROD, TRUST_PROXY: '1' }, '/repo').trustProxy).toBe(1);
    expect(parseConfig({ ...PROD, TRUST_PROXY: ' 2 ' }, '/repo').trustProxy).toBe(2);
    expect(errorOf({ ...PROD, TRUST_PROXY: '-1' }).message).toMatch(/TRUST_PROXY: must be a hop count of 0 or more/);
  });

  it('reads TRUST_PROXY addresses, subnets and range names as a trimmed list', () => {
    const TRUST_PROXY =
      ' 10.0.0.0/8, 127.0.0.1 ,::1, fd00::/48, 192.168.0.0/255.255.0.0, Loopback,linklocal,uniquelocal';
    expect(parseConfig({ ...PROD, TRUST_PROXY }, '/repo').trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'fd00::/48',
      '192.168.0.0/255.255.0.0',
      'loopback',
      'linklocal',
      'uniquelocal',
    ]);
  });

  it('refuses bad TRUST_PROXY values, naming the variable and the bad entry', () => {
    for (const [TRUST_PROXY, bad] of [
      ['yes', '"yes"'],
      ['10.0.0.0/8, proxy.internal', '"proxy.internal"'],
      ['10.0.0.0/33', '"10.0.0.0/33"'],
      ['fd00::/129', '"fd00::/129"'],
      ['10.0.0.0/255.0.255.0', '"10.0.0.0/255.0.255.0"'],
      ['10.0.0.0/8/8', '"10.0.0.0/8/8"'],
      ['999.1.1.1', '"999.1.1.1"'],
      ['1.5', '"1.5"'],
      [',', 'empty'],
      ['1, 2', '"1"'],
      ['true, 10.0.0.1', '"true"'],
    ] as const) {
      const { message } = errorOf({ ...PROD, TRUST_PROXY });
      expect(message, TRUST_PROXY).toContain('TRUST_PROXY: must be false, a hop count (1) or a comma-separated list');
      expect(message, TRUST_PROXY).toContain(bad);
    }
  });

  it('refuses TRUST_PROXY entries wider than /8 for IPv4 or /32 for IPv6, however written, naming each', () => {
    for (const [TRUST_PROXY, bad] of [
      ['0.0.0.0/1,128.0.0.0/1', '"0.0.0.0/1"'],
      ['0.0.0.0/0', '"0.0.0.0/0"'],
      ['10.0.0.1, 10.0.0.0/7', '"10.0.0.0/7"'],
      ['::/0', '"::/0"'],
      ['2001:db8::/16', '"2001:db8::/16"'],
      ['fd00::/31', '"fd00::/31"'],
      ['0.0.0.0/128.0.0.0', '"0.0.0.0/128.0.0.0"'],
      ['10.0.0.0/254.0.0.0', '"10.0.0.0/254.0.0.0"'],
      // IPv4-mapped IPv6: proxy-addr matches IPv4 clients with it, /97 being IPv4's /1.
      ['::ffff:0.0.0.0/97', '"::ffff:0.0.0.0/97"'],
      ['::ffff:10.0.0.0/100', '"::ffff:10.0.0.0/100"'],
    ] as const) {
      const { message } = errorOf({ ...PROD, TRUST_PROXY });
      expect(message, TRUST_PROXY).toContain('TRUST_PROXY: must be false, a hop count (1) or a comma-separated list');
      expect(message, TRUST_PROXY).toContain(`${bad} is too wide`);
    }
  });

  it('accepts TRUST_PROXY subnets up to /8 for IPv4 and /32 for IPv6, netmasks included', () => {
    for (const TRUST_PROXY of [
      '10.0.0.0/8',
      '10.0.0.0/255.0.0.0',
      '172.16.0.0/12',
      '2001:db8::/32',
      'fd00::/48',
      '::ffff:10.0.0.0/104',
      '203.0.113.7',
      '2001:db8::1',
      'loopback, linklocal, uniquelocal',
    ]) {
      expect(parseConfig({ ...PROD, TRUST_PROXY }, '/repo').trustProxy, TRUST_PROXY).toEqual(TRUST_PROXY.split(', '));
    }
  });

  it('gives Express a TRUST_PROXY it accepts (what it means is tested through a proxy in proxy.test.ts)', () => {
    // Express compiles the setting when it is set: a value it cannot read throws here.
    for (const TRUST_PROXY of ['false', '1', '3', '10.0.0.0/8, ::1, 192.168.0.0/255.255.0.0, loopback, uniquelocal']) {
      const trustProxy = parseConfig({ ...PROD, TRUST_PROXY }, '/repo').trustProxy;
      expect(() => express().set('trust proxy', trustProxy), TRUST_PROXY).not.toThrow();
    }
  });

  it('names every bad variable at once', () => {
    const { message } = errorOf({ NODE_ENV: 'production', BCRYPT_COST: '4', ACCESS_TOKEN_TTL: 'x', CORS_ORIGINS: '*' });
    for (const name of ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET', 'BCRYPT_COST', 'ACCESS_TOKEN_TTL', 'CORS_ORIGINS']) {
      expect(message).toContain(name);
    }
  });
});

describe('METRICS_PORT', () => {
  it('is off by default, read as a port, and never the public port', () => {
    expect(parseConfig({}, '/repo').metricsPort).toBeUndefined();
    expect(parseConfig({ METRICS_PORT: '9464' }, '/repo').metricsPort).toBe(9464);
    expect(errorOf({ METRICS_PORT: '3000' }).message).toMatch(/METRICS_PORT: must not be PORT/);
    expect(errorOf({ PORT: '8080', METRICS_PORT: '8080' }).message).toMatch(/METRICS_PORT/);
    expect(errorOf({ METRICS_PORT: 'metrics' }).message).toMatch(/METRICS_PORT/);
  });
});

describe('OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('turns tracing on when set, and refuses what is no http(s) URL', () => {
    expect(parseConfig({}, '/repo').isTracing).toBe(false);
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, '/repo').isTracing).toBe(true);
    expect(errorOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).message).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
