/**
 * The only module that reads process.env. Everything else receives the typed
 * `Config` it returns.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  DEFAULT_SESSION_MAX_PER_USER,
  DEFAULT_THROTTLE_WINDOW,
  DEFAULT_WEBAUTHN_RP_NAME,
  type OidcProviderConfig,
  THROTTLE_BUDGETS,
  type ThrottleConfig,
  type WebauthnConfig,
  webauthnConfigOf,
} from '@repo/api';
import { DEFAULT_AUDIT_RETENTION_DAYS } from '@repo/db';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (!ms) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 30s, 15m, 12h or 30d (got "${text}")` });
        return z.NEVER;
      }
      return ms;
    });

/** The longest REFRESH_REUSE_GRACE: past a few seconds, a stolen token would work too long after the owner's refresh. */
const MAX_REUSE_GRACE_MS = 60_000;

/** A duration that may be 0 (off), at most `maxMs`. */
const optionalDuration = (fallback: string, maxMs: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = text.trim() === '0' ? 0 : parseDurationMs(text);
      if (ms === undefined || ms > maxMs) {
        ctx.addIssue({
          code: 'custom',
          message: `must be 0 (off) or a duration such as 10s, at most ${maxMs / 1000}s (got "${text}")`,
        });
        return z.NEVER;
      }
      return ms;
    });

/** A count of at least 1 (an integer in the environment). */
const budget = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

/** THROTTLE_* budgets, one variable per entry of the policy table with its default. */
const throttleBudgets = Object.fromEntries(
  THROTTLE_BUDGETS.map((entry) => [entry.env, budget(entry.default)]),
) as Record<(typeof THROTTLE_BUDGETS)[number]['env'], ReturnType<typeof budget>>;

const secret = z
  .string()
  .refine((s) => Buffer.byteLength(s, 'utf8') >= 32, 'must be at least 32 bytes')
  .optional();

/** 32 random bytes as base64url (43 characters): the AES-256 key of the TOTP secrets. */
const MFA_KEY_BYTES = 32;
const mfaKey = z
  .string()
  .refine(
    (s) => /^[A-Za-z0-9_-]+$/.test(s) && Buffer.from(s, 'base64url').length === MFA_KEY_BYTES,
    `must be ${MFA_KEY_BYTES} random bytes as base64url (43 characters), such as the output of: node -p "require('crypto').randomBytes(32).toString('base64url')"`,
  )
  .optional();

const origin = z.string().refine((s) => {
  try {
    return new URL(s).origin === s;
  } catch {
    return false;
  }
}, 'must be exact origins such as https://app.example.com (scheme, host, optional port; no path, no "*")');

/**
 * Why `text` cannot be a passkey origin, or undefined when it can: WebAuthn
 * runs in secure contexts only, so an exact `https://` origin, or plain http
 * on localhost alone (what browsers treat as secure for development).
 */
function webauthnOriginProblem(text: string): string | undefined {
  const url = URL.parse(text);
  if (!url || url.origin !== text) return `"${text}" is not an exact origin such as https://app.example.com`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && url.hostname === 'localhost') return undefined;
  return `"${text}" is not https:// (plain http is allowed on localhost only: passkeys need a secure context)`;
}

const DEV_CORS_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173'];
/** APP_URL when unset (the web app's `pnpm dev`). */
const DEV_APP_URL = 'http://localhost:5173/';

/**
 * What Express's `trust proxy` is given: `false` (the socket's address is the
 * client), a hop count (the address that many proxies back, read from the
 * right of X-Forwarded-For), or the addresses/subnets of trusted proxies.
 * Never `true`: it trusts every hop, so the client-written left-most entry wins.
 */
export type TrustProxy = false | number | string[];

/** Express's (proxy-addr's) names for address ranges: private ones, each no wider than /7 of its own space. */
const TRUST_PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * The widest subnet a TRUST_PROXY entry may be. Wider ones are refused: the
 * proxies of one deployment sit in a private network, and a range such as
 * `0.0.0.0/1,128.0.0.0/1` is `true` in disguise (every hop trusted, so the
 * client-written entry of X-Forwarded-For names the client).
 */
const MIN_TRUST_PROXY_PREFIX = { 4: 8, 6: 32 } as const;

/**
 * How many of IPv4's 256 /8 blocks the compiled entry trusts, probing each
 * block's first address: a subnet wider than /8 holds two or more of them,
 * however it is written (a netmask, or an IPv4-mapped IPv6 subnet).
 */
function ipv4BlocksTrusted(trusts: (address: string, index: number) => boolean): number {
  let count = 0;
  for (let block = 0; block < 256; block++) if (trusts(`${block}.0.0.0`, 0)) count++;
  return count;
}

/** Why `entry` (an address, a subnet or a range name) is not one Express should trust, or undefined when it is. */
function trustProxyEntryProblem(entry: string): string | undefined {
  if (TRUST_PROXY_RANGES.has(entry)) return undefined;
  const [address = '', prefix, ...rest] = entry.split('/');
  // Only the usual notations: proxy-addr alone would also read "1" or "0x0a000001" as addresses.
  const family = isIP(address);
  if ((family !== 4 && family !== 6) || rest.length)
    return `"${entry}" is not an IP address, a subnet (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`;
  const minPrefix = MIN_TRUST_PROXY_PREFIX[family];
  const tooWide = `"${entry}" is too wide (more than a /8 of IPv4 or a /32 of IPv6): list the proxies' own addresses or subnets`;
  if (prefix !== undefined && /^\d+$/.test(prefix) && Number(prefix) < minPrefix) return tooWide;
  let trusts: (address: string, index: number) => boolean;
  try {
    // The very parser Express runs the setting through, so what is accepted here is what it trusts.
    trusts = proxyaddr.compile(entry);
  } catch (error) {
    // proxy-addr's own words (such as "invalid range on address: 10.0.0.0/33"), then what would do.
    return `"${entry}" is refused by Express's parser (${(error as Error).message}): use /8 to /32 (or a netmask such as /255.0.0.0) for IPv4, /32 to /128 for IPv6`;
  }
  return ipv4BlocksTrusted(trusts) > 1 ? tooWide : undefined;
}

const trustProxy = z
  .string()
  .optional()
  .transform((text, ctx): TrustProxy => {
    const value = text?.trim().toLowerCase() ?? 'false';
    if (value === 'false') return false;
    if (value === 'true') {
      ctx.addIssue({
        code: 'custom',
        message:
          'must not be true: that trusts every hop, so a client picks its own address by sending X-Forwarded-For. ' +
          'Set a hop count instead, the number of proxies in front of the server (1 behind the nginx of ' +
          'docker-compose.yml), or their addresses (e.g. 10.0.0.0/8)',
      });
      return z.NEVER;
    }
    if (/^-?\d+$/.test(value)) {
      const hops = Number(value);
      if (hops >= 0 && Number.isSafeInteger(hops)) return hops === 0 ? false : hops;
      ctx.addIssue({ code: 'custom', message: `must be a hop count of 0 or more (got "${text}")` });
      return z.NEVER;
    }
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const problems = entries.map(trustProxyEntryProblem).filter((problem) => problem !== undefined);
    if (!entries.length || problems.length) {
      ctx.addIssue({
        code: 'custom',
        message: `must be false, a hop count (1) or a comma-separated list of proxy addresses/subnets: ${problems.join('; ') || 'the list is empty'}`,
      });
      return z.NEVER;
    }
    return entries;
  });

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    // Traces when set (the OpenTelemetry SDK reads it and the other OTEL_* variables itself).
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .url({ protocol: /^https?$/, error: 'must be the OTLP/HTTP collector URL, such as http://127.0.0.1:4318' })
      .optional(),
    // Prometheus metrics on a port of their own (off when unset): never the public one.
    METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z
      .string()
      .regex(/^(mysql|mariadb):\/\/|^sqlite:/, 'must start with mysql:// or sqlite:')
      .optional(),
    // Bounds on waiting for the database (MySQL; the ping on every dialect).
    DB_CONNECT_TIMEOUT: duration('3s'),
    DB_ACQUIRE_TIMEOUT: duration('5s'),
    DB_QUERY_TIMEOUT: duration('5s'),
    DB_PING_TIMEOUT: duration('2s'),
    JWT_ACCESS_SECRET: secret,
    JWT_REFRESH_SECRET: secret,
    // The secrets being rotated out: tokens they signed stay valid until they expire.
    JWT_ACCESS_SECRET_PREVIOUS: secret,
    JWT_REFRESH_SECRET_PREVIOUS: secret,
    MFA_ENCRYPTION_KEY: mfaKey,
    ACCESS_TOKEN_TTL: duration('15m'),
    REFRESH_TOKEN_TTL: duration('30d'),
    SESSION_MAX_AGE: duration('30d'),
    SESSION_MAX_PER_USER: z.coerce
      .number({ error: 'must be a whole number of sessions, at least 1' })
      .int('must be a whole number of sessions, at least 1')
      .min(1, 'must be a whole number of sessions, at least 1')
      .max(10_000, 'must be at most 10000')
      .default(DEFAULT_SESSION_MAX_PER_USER),
    REFRESH_REUSE_GRACE: optionalDuration('10s', MAX_REUSE_GRACE_MS),
    // How long audit rows are kept: the hourly prune deletes older ones.
    AUDIT_RETENTION: duration(`${DEFAULT_AUDIT_RETENTION_DAYS}d`),
    CORS_ORIGINS: z
      .string()
      .optional()
      .transform((s) =>
        s
          ?.split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(origin).optional()),
    BCRYPT_COST: z.coerce.number().int().min(4).max(31).default(12),
    REDIS_URL: z.url().optional(),
    // Only the key's start: a prefix that no other application or test sharing the Redis uses.
    REDIS_KEY_PREFIX: z
      .string()
      .max(64)
      .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces, such as "myapp:prod:"')
      .default(''),
    THROTTLE_WINDOW: duration(DEFAULT_THROTTLE_WINDOW).refine(
      (ms) => ms >= 1000 && ms % 1000 === 0,
      'must be whole seconds, at least 1s (such as 15m)',
    ),
    ...throttleBudgets,
    SMTP_URL: z
      .string()
      .refine((s) => {
        try {
          const url = new URL(s);
          return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
        } catch {
          return false;
        }
      }, 'must be smtp://user:pass@host:587 or smtps://user:pass@host:465')
      .optional(),
    MAIL_FROM: z.string().min(3).default('Auth API <no-reply@localhost>'),
    // Unset: DEV_APP_URL, except in production with SMTP_URL (refused below: links in mail would point at it).
    APP_URL: z
      .url({ protocol: /^https?$/, error: "must be the web app's http(s) URL, such as https://app.example.com/" })
      .optional(),
    // Passkeys: unset, the RP ID is APP_URL's host and the one origin APP_URL's origin.
    WEBAUTHN_RP_ID: z
      .string()
      .regex(
        /^[a-z0-9.-]+$/i,
        "must be a domain such as example.com (the app's host or a parent of it; no scheme, no port)",
      )
      .optional(),
    WEBAUTHN_RP_NAME: z.string().min(1).max(64).default(DEFAULT_WEBAUTHN_RP_NAME),
    WEBAUTHN_ORIGINS: z
      .string()
      .optional()
      .transform((s) =>
        s
          ?.split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      ),
    TRUST_PROXY: trustProxy,
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    TRPC_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    // Only `pnpm bench` sets it: tRPC's stock Express adapter, to measure the fast transport against.
    TRANSPORT: z.enum(['fast', 'stock']).default('fast'),
    // Identity providers: the names here; each one's OIDC_<NAME>_* variables are read by `oidcProvidersOf`.
    OIDC_PROVIDERS: z
      .string()
      .optional()
      .transform((s) =>
        (s ?? '')
          .split(',')
          .map((name) => name.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be names of letters, digits and _ (such as google,keycloak)'),
        ),
      ),
    OIDC_DEV: z.enum(['0', '1', 'true', 'false']).optional(),
    OIDC_DEV_PORT: z.coerce.number().int().min(0).max(65_535).default(3010),
    API_URL: z
      .url({ protocol: /^https?$/, error: "must be the API's public origin, such as https://api.example.com" })
      .refine((s) => new URL(s).pathname === '/' && !s.endsWith('/'), 'must be an origin alone: no path, no trailing /')
      .optional(),
    SEED_ADMIN_USERNAME: z.string().optional(),
    SEED_ADMIN_PASSWORD: z.string().optional(),
  })
  .superRefine(
    (env, ctx) => {
      if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT) {
        ctx.addIssue({
          code: 'custom',
          path: ['METRICS_PORT'],
          message: 'must not be PORT: metrics are never served on the public port',
        });
      }
      if (env.NODE_ENV === 'production') {
        for (const key of ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET'] as const) {
          if (!env[key])
            ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production (at least 32 bytes)' });
        }
        // Generated per process, it would make every stored TOTP secret unreadable after a restart.
        if (!env.MFA_ENCRYPTION_KEY) {
          ctx.addIssue({
            code: 'custom',
            path: ['MFA_ENCRYPTION_KEY'],
            message:
              "is required in production: 32 random bytes as base64url that encrypt the TOTP secrets (node -p \"require('crypto').randomBytes(32).toString('base64url')\"); keep it: secrets stored under a lost key cannot be read",
          });
        }
        if (env.BCRYPT_COST < 10) {
          ctx.addIssue({ code: 'custom', path: ['BCRYPT_COST'], message: 'must be at least 10 in production' });
        }
        // The links of every email (password reset, verification) are APP_URL + a token.
        if (env.SMTP_URL && !env.APP_URL) {
          ctx.addIssue({
            code: 'custom',
            path: ['APP_URL'],
            message:
              "is required in production when SMTP_URL is set: the links in emails lead to it (the web app's https:// URL)",
          });
        } else if (env.SMTP_URL && env.APP_URL && URL.parse(env.APP_URL)?.protocol === 'http:') {
          ctx.addIssue({
            code: 'custom',
            path: ['APP_URL'],
            message: `must be an https:// URL in production when SMTP_URL is set: the links in emails carry tokens (got "${env.APP_URL}")`,
          });
        }
      }
      // Derived only from values that are themselves valid: a bad one is named once, for what it is.
      const appUrl = env.APP_URL === undefined ? undefined : URL.parse(env.APP_URL);
      const isAppUrlUsable = appUrl === undefined || appUrl?.protocol === 'http:' || appUrl?.protocol === 'https:';
      const isRpIdUsable = env.WEBAUTHN_RP_ID === undefined || /^[a-z0-9.-]+$/i.test(env.WEBAUTHN_RP_ID);
      const webauthn = isAppUrlUsable && isRpIdUsable ? webauthnOf(env) : { rpId: '', origins: [] };
      for (const origin of webauthn.origins) {
        const problem = webauthnOriginProblem(origin);
        const from = env.WEBAUTHN_ORIGINS ? '' : " (APP_URL's origin, as WEBAUTHN_ORIGINS is unset: set it)";
        if (problem) ctx.addIssue({ code: 'custom', path: ['WEBAUTHN_ORIGINS'], message: `${problem}${from}` });
        const host = URL.parse(origin)?.hostname;
        if (!problem && host !== webauthn.rpId && !host?.endsWith(`.${webauthn.rpId}`)) {
          ctx.addIssue({
            code: 'custom',
            path: ['WEBAUTHN_RP_ID'],
            message: `"${webauthn.rpId}" must be the host of every WEBAUTHN_ORIGINS origin or a parent domain of it (not of ${origin})`,
          });
        }
      }
      if (env.NODE_ENV === 'production' && (env.OIDC_DEV === '1' || env.OIDC_DEV === 'true')) {
        ctx.addIssue({
          code: 'custom',
          path: ['OIDC_DEV'],
          message: 'is for development only (a local provider that signs anyone in)',
        });
      }
      if (env.REFRESH_TOKEN_TTL > env.SESSION_MAX_AGE) {
        ctx.addIssue({
          code: 'custom',
          path: ['REFRESH_TOKEN_TTL'],
          message: 'must not exceed SESSION_MAX_AGE (the idle timeout cannot outlast the absolute lifetime)',
        });
      }
      if (env.JWT_ACCESS_SECRET && env.JWT_ACCESS_SECRET === env.JWT_REFRESH_SECRET) {
        ctx.addIssue({ code: 'custom', path: ['JWT_REFRESH_SECRET'], message: 'must differ from JWT_ACCESS_SECRET' });
      }
      // Also when another variable is already bad: one run names every problem.
    },
    { when: () => true },
  );

/** The relying party the variables describe: each defaults to what APP_URL says. */
function webauthnOf(env: {
  APP_URL?: string | undefined;
  WEBAUTHN_RP_ID?: string | undefined;
  WEBAUTHN_RP_NAME: string;
  WEBAUTHN_ORIGINS?: string[] | undefined;
}): WebauthnConfig {
  return webauthnConfigOf(env.APP_URL ?? DEV_APP_URL, {
    ...(env.WEBAUTHN_RP_ID ? { rpId: env.WEBAUTHN_RP_ID.toLowerCase() } : {}),
    rpName: env.WEBAUTHN_RP_NAME,
    ...(env.WEBAUTHN_ORIGINS?.length ? { origins: env.WEBAUTHN_ORIGINS } : {}),
  });
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  host: string;
  port: number;
  /** METRICS_PORT: where GET /metrics answers (on HOST); undefined: no metrics. */
  metricsPort: number | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT is set: spans are exported (tracing.ts). */
  isTracing: boolean;
  logLevel: string;
  rootDir: string;
  databaseUrl: string | undefined;
  /** How long the app waits for the database, for `createOrm`. */
  databaseTimeouts: {
    connectTimeoutMs: number;
    acquireTimeoutMs: number;
    queryTimeoutMs: number;
    pingTimeoutMs: number;
  };
  jwt: {
    accessSecret: string;
    refreshSecret: string;
    previousAccessSecret: string | undefined;
    previousRefreshSecret: string | undefined;
    /** True when the secrets were generated for this process (development only). */
    isGenerated: boolean;
    accessTtlMs: number;
    refreshTtlMs: number;
    sessionMaxAgeMs: number;
    issuer: string;
    audience: string;
  };
  mfa: {
    /** MFA_ENCRYPTION_KEY: 32 bytes, base64url; the AES-256-GCM key of the TOTP secrets. */
    encryptionKey: string;
    /** True when the key was generated for this process (development only). */
    isGenerated: boolean;
  };
  /** Budgets of the password checks and registrations (THROTTLE_*). */
  throttle: ThrottleConfig;
  sessions: {
    /** SESSION_MAX_PER_USER: a sign-in past it ends the user's least recently used session. */
    maxPerUser: number;
    /** REFRESH_REUSE_GRACE: how long a just-rotated refresh token answers with the current one (0: never). */
    refreshReuseGraceMs: number;
  };
  /** AUDIT_RETENTION: audit rows older than this are pruned. */
  auditRetentionMs: number;
  corsOrigins: string[];
  bcryptCost: number;
  redisUrl: string | undefined;
  /** Put before every key the server writes to Redis (REDIS_KEY_PREFIX; empty by default). */
  redisKeyPrefix: string;
  /** Express's `trust proxy`: which hops may say who the client is (never every hop). */
  trustProxy: TrustProxy;
  shutdownTimeoutMs: number;
  /** Calls allowed in one tRPC batch request. */
  maxBatchSize: number;
  /** `stock`: /trpc served by tRPC's own Express adapter (what `pnpm bench` compares ours with). */
  transport: 'fast' | 'stock';
  seedAdmin: { username: string; password: string } | undefined;
  oidc: {
    /** The identity providers of OIDC_PROVIDERS (the local one of OIDC_DEV is added by main.ts when it starts). */
    providers: OidcProviderConfig[];
    /** OIDC_DEV=1: the port of the local provider `pnpm dev` starts; undefined when off. */
    devPort: number | undefined;
  };
  /** API_URL: the API's public origin; undefined: each request's own. */
  apiUrl: string | undefined;
  mail: {
    /** SMTP_URL; undefined: mail is printed in development and the email procedures answer 503 in production. */
    smtpUrl: string | undefined;
    from: string;
    /** The web app's base URL, for links in emails. */
    appUrl: string;
  };
  /** Passkeys' relying party (WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS). */
  webauthn: WebauthnConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The directory holding pnpm-workspace.yaml above `from`, else `from` itself (e.g. in a container). */
/** Every variable the server reads (deploy manifests are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export function findRootDir(from: string = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

/**
 * Adds `.env.local`, then `.env`, of the root directory to process.env. Neither
 * overrides a variable that is already set, so the real environment wins over
 * `.env.local`, which wins over `.env`.
 */
export function loadEnvFiles(rootDir: string): void {
  for (const file of ['.env.local', '.env']) {
    const path = join(rootDir, file);
    if (existsSync(path)) process.loadEnvFile(path);
  }
}

/** Validates the environment; throws a ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>, rootDir: string): Config {
  const cleaned = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, emptyAsUndefined(v)]));
  const result = envSchema.safeParse(cleaned);
  const oidc = result.success
    ? oidcProvidersOf(
        cleaned as Record<string, string | undefined>,
        result.data.OIDC_PROVIDERS,
        result.data.NODE_ENV === 'production',
      )
    : { providers: [], problems: [] };
  if (!result.success || oidc.problems.length) {
    const lines = [
      ...(result.success ? [] : result.error.issues).map(
        (issue) => `  - ${issue.path.join('.') || 'environment'}: ${issue.message}`,
      ),
      ...oidc.problems.map((problem) => `  - ${problem}`),
    ];
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const isProduction = e.NODE_ENV === 'production';
  const isGenerated = !e.JWT_ACCESS_SECRET || !e.JWT_REFRESH_SECRET;
  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    isTracing: e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
    logLevel: e.LOG_LEVEL,
    rootDir,
    databaseUrl: e.DATABASE_URL,
    databaseTimeouts: {
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT,
      acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT,
      queryTimeoutMs: e.DB_QUERY_TIMEOUT,
      pingTimeoutMs: e.DB_PING_TIMEOUT,
    },
    jwt: {
      accessSecret: e.JWT_ACCESS_SECRET ?? randomBytes(32).toString('base64url'),
      refreshSecret: e.JWT_REFRESH_SECRET ?? randomBytes(32).toString('base64url'),
      previousAccessSecret: e.JWT_ACCESS_SECRET_PREVIOUS,
      previousRefreshSecret: e.JWT_REFRESH_SECRET_PREVIOUS,
      isGenerated,
      accessTtlMs: e.ACCESS_TOKEN_TTL,
      refreshTtlMs: e.REFRESH_TOKEN_TTL,
      sessionMaxAgeMs: e.SESSION_MAX_AGE,
      issuer: 'auth-api',
      audience: 'auth-api',
    },
    mfa: {
      encryptionKey: e.MFA_ENCRYPTION_KEY ?? randomBytes(MFA_KEY_BYTES).toString('base64url'),
      isGenerated: !e.MFA_ENCRYPTION_KEY,
    },
    corsOrigins: e.CORS_ORIGINS ?? (isProduction ? [] : DEV_CORS_ORIGINS),
    throttle: {
      windowSeconds: e.THROTTLE_WINDOW / 1000,
      ...(Object.fromEntries(THROTTLE_BUDGETS.map((entry) => [entry.key, e[entry.env]])) as Omit<
        ThrottleConfig,
        'windowSeconds'
      >),
    },
    sessions: { maxPerUser: e.SESSION_MAX_PER_USER, refreshReuseGraceMs: e.REFRESH_REUSE_GRACE },
    auditRetentionMs: e.AUDIT_RETENTION,
    bcryptCost: e.BCRYPT_COST,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    trustProxy: e.TRUST_PROXY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    maxBatchSize: e.TRPC_MAX_BATCH_SIZE,
    transport: e.TRANSPORT,
    seedAdmin:
      e.SEED_ADMIN_USERNAME && e.SEED_ADMIN_PASSWORD
        ? { username: e.SEED_ADMIN_USERNAME, password: e.SEED_ADMIN_PASSWORD }
        : undefined,
    oidc: {
      providers: oidc.providers,
      devPort: e.OIDC_DEV === '1' || e.OIDC_DEV === 'true' ? e.OIDC_DEV_PORT : undefined,
    },
    apiUrl: e.API_URL,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, appUrl: e.APP_URL ?? DEV_APP_URL },
    webauthn: webauthnOf(e),
  };
}

/** The name the local provider of OIDC_DEV is configured under. */
export const DEV_OIDC_PROVIDER_NAME = 'dev';

/**
 * Each provider of OIDC_PROVIDERS from its OIDC_<NAME>_ISSUER, _CLIENT_ID,
 * _CLIENT_SECRET (and optional _LABEL), or the problems that stop the start,
 * each naming its variable.
 */
function oidcProvidersOf(
  env: Record<string, string | undefined>,
  names: string[],
  isProduction: boolean,
): { providers: OidcProviderConfig[]; problems: string[] } {
  const providers: OidcProviderConfig[] = [];
  const problems: string[] = [];
  if (new Set(names).size !== names.length) problems.push('OIDC_PROVIDERS: names a provider twice');
  for (const name of names) {
    const prefix = `OIDC_${name.toUpperCase()}_`;
    const variable = (suffix: string) => {
      const value = env[`${prefix}${suffix}`];
      if (value === undefined) problems.push(`${prefix}${suffix}: is required (OIDC_PROVIDERS names "${name}")`);
      return value;
    };
    const issuer = variable('ISSUER');
    const clientId = variable('CLIENT_ID');
    const clientSecret = variable('CLIENT_SECRET');
    const url = issuer ? URL.parse(issuer) : null;
    if (issuer && (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))) {
      problems.push(`${prefix}ISSUER: must be the provider's issuer URL, such as https://accounts.google.com`);
    } else if (url?.protocol === 'http:' && isProduction) {
      problems.push(`${prefix}ISSUER: must be an https:// URL in production (got "${issuer}")`);
    }
    if (name === DEV_OIDC_PROVIDER_NAME && (env.OIDC_DEV === '1' || env.OIDC_DEV === 'true')) {
      problems.push(`OIDC_PROVIDERS: "${DEV_OIDC_PROVIDER_NAME}" is the name OIDC_DEV's local provider takes`);
    }
    if (issuer && clientId && clientSecret) {
      const label = env[`${prefix}LABEL`] ?? `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
      providers.push({ name, label, issuer, clientId, clientSecret });
    }
  }
  return { providers, problems };
}

/**
 * For `pnpm dev`: writes the secrets generated for this process into the
 * root's `.env.local` (git-ignored), so the next start, and every restart of
 * `tsx watch`, signs with the same ones and nobody is signed out by a save.
 * Returns the file written, or undefined when there was nothing to keep (the
 * secrets were set) or it must not be done (production).
 */
export function keepGeneratedSecrets(config: Config): string | undefined {
  if (config.isProduction || (!config.jwt.isGenerated && !config.mfa.isGenerated)) return undefined;
  const path = join(config.rootDir, '.env.local');
  appendFileSync(
    path,
    `\n# Generated by the first \`pnpm dev\` without secrets (development only; never commit this file).\n` +
      (config.jwt.isGenerated
        ? `JWT_ACCESS_SECRET=${config.jwt.accessSecret}\nJWT_REFRESH_SECRET=${config.jwt.refreshSecret}\n`
        : '') +
      // Kept like the JWT secrets: TOTP set up in development still works after a restart.
      (config.mfa.isGenerated ? `MFA_ENCRYPTION_KEY=${config.mfa.encryptionKey}\n` : ''),
  );
  return path;
}

/** Reads `.env` files and the environment of this process. */
export function loadConfig(): Config {
  const rootDir = findRootDir();
  loadEnvFiles(rootDir);
  return parseConfig(process.env, rootDir);
}

/** For process entry points: the config, or a clear message and exit code 1. */
/** What the server says when its port is taken: a setting to change, not a crash. */
export function busyPortMessage(config: Pick<Config, 'port' | 'host'>): string {
  return `port ${config.port} on ${config.host} is in use: stop what holds it, or set PORT to another port`;
}

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
