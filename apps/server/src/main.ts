import { createServer, type Server } from 'node:http';
import { createApiServices } from '@repo/api';
import { createOrm, migrateToLatest, poolUseOf, resolveDatabaseTarget } from '@repo/db';
import { createApp, MAX_HEADER_BYTES, requestListener } from './app.js';
import {
  busyPortMessage,
  type Config,
  DEV_OIDC_PROVIDER_NAME,
  keepGeneratedSecrets,
  loadConfigOrExit,
} from './config.js';
import { createLogger } from './logger.js';
import { createMailer } from './mailer.js';
import { startPruneSchedule } from './prune-schedule.js';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, isPretty: !config.isProduction });
// OpenTelemetry only when OTEL_EXPORTER_OTLP_ENDPOINT is set: loaded (and paid for) only then.
const tracing = config.isTracing ? await (await import('./tracing.js')).startTracing('trpc-auth-server') : undefined;
if (tracing) logger.info('tracing: spans exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)');

// `pnpm dev` passes --keep-dev-secrets: sessions then survive its restarts.
const keptIn = process.argv.includes('--keep-dev-secrets') ? keepGeneratedSecrets(config) : undefined;
if (keptIn) {
  logger.info(
    { file: keptIn },
    'JWT secrets or MFA_ENCRYPTION_KEY were not set: generated them for development and saved them in .env.local (git-ignored); later starts reuse them',
  );
} else if (config.jwt.isGenerated || config.mfa.isGenerated) {
  logger.warn(
    'JWT secrets or MFA_ENCRYPTION_KEY are not set: generated random ones for this process (tokens and TOTP set up now end with it). Set them in .env.local.',
  );
}

const target = resolveDatabaseTarget({ url: config.databaseUrl, rootDir: config.rootDir });
// Only `pnpm dev` passes --migrate; production migrates with `pnpm db:migrate`.
const shouldMigrate = process.argv.includes('--migrate');
const orm = await createOrm({
  url: config.databaseUrl,
  rootDir: config.rootDir,
  ...config.databaseTimeouts,
  migrations: shouldMigrate,
});
logger.info(
  { dialect: target.dialect, ...(target.dialect === 'sqlite' ? { file: target.file } : {}) },
  'database connected',
);

if (shouldMigrate) {
  const applied = await migrateToLatest(orm);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
}

// Prometheus metrics on METRICS_PORT only: loaded (and their default collectors run) only when asked for.
const metrics =
  config.metricsPort === undefined ? undefined : (await import('./metrics.js')).createMetrics({ pool: poolUseOf(orm) });

// Password and registration throttling: shared by every instance in Redis when REDIS_URL is set
// (with an in-memory fallback while Redis is unreachable), per process otherwise.
// Loaded only when used: the Redis client costs memory every instance would pay.
const redisModule = config.redisUrl ? await import('./redis.js') : undefined;
const redis =
  config.redisUrl && redisModule
    ? redisModule.createRedisClient(config.redisUrl, logger, { keyPrefix: config.redisKeyPrefix })
    : undefined;
const throttle =
  redis && redisModule
    ? await redisModule.createRedisAuthThrottle(redis, logger, config.throttle, metrics?.observer)
    : undefined;

// OIDC_DEV=1 (development only): a local identity provider, so "Continue with Dev IdP" works offline.
// Loaded only then: oidc-provider is a development dependency.
const devOidc = config.oidc.devPort === undefined ? undefined : await startDevOidc(config, config.oidc.devPort);

const plainMailer = createMailer(config, logger);
const mailer = plainMailer && metrics ? metrics.countingMailer(plainMailer) : plainMailer;
const services = createApiServices(
  {
    ...config.jwt,
    bcryptCost: config.bcryptCost,
    throttle: config.throttle,
    appUrl: config.mail.appUrl,
    sessionMaxPerUser: config.sessions.maxPerUser,
    refreshReuseGraceMs: config.sessions.refreshReuseGraceMs,
    webauthn: config.webauthn,
    mfaEncryptionKey: config.mfa.encryptionKey,
    oidcProviders: [
      ...config.oidc.providers,
      ...(devOidc
        ? [
            {
              name: DEV_OIDC_PROVIDER_NAME,
              label: 'Dev IdP',
              issuer: devOidc.issuer,
              clientId: devOidc.clientId,
              clientSecret: devOidc.clientSecret,
            },
          ]
        : []),
    ],
  },
  {
    ...(throttle ? { throttle } : {}),
    ...(mailer ? { mailer } : {}),
    // One structured line per security event, with user, session, request and address.
    events: (event) => {
      logger.info({ securityEvent: event }, `security: ${event.type}`);
      metrics?.onSecurityEvent(event);
    },
    // The action has happened and its answer goes out: the rows are kept in the log instead.
    onAuditAppendFailed: (error, rows) => logger.error({ err: error, auditEvents: rows }, 'audit log append failed'),
    ...(metrics ? { observer: metrics.observer } : {}),
  },
);
// Before listening: the first unknown-user login must cost what every other does.
await services.passwords.warmUp();
logger.debug({ bcryptCost: config.bcryptCost }, 'password hasher ready (dummy hash for unknown users made)');

const app = createApp({
  orm,
  services,
  logger,
  corsOrigins: config.corsOrigins,
  trustProxy: config.trustProxy,
  isProduction: config.isProduction,
  maxBatchSize: config.maxBatchSize,
  transport: config.transport,
  ...(metrics ? { metrics } : {}),
  isTracing: tracing !== undefined,
  apiUrl: config.apiUrl,
});
// Bounded headers, and bounded time to send them and the whole request: a
// slow-drip client cannot hold a connection for Node's default 5 minutes.
const server = createServer(
  { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: 10_000, requestTimeout: 30_000 },
  requestListener(app, logger),
);
server.listen(config.port, config.host, () => {
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${addressPort(server, config)}`;
  logger.info(
    `Server ready (${config.nodeEnv})\n  tRPC     ${base}/trpc\n  REST     ${base}/api\n  OpenAPI  ${base}/api/openapi.json\n  Docs     ${base}/api/docs`,
  );
});
const metricsServer =
  metrics && config.metricsPort !== undefined
    ? await (await import('./metrics.js')).serveMetrics(metrics.registry, config.metricsPort, config.host)
    : undefined;
if (metricsServer) logger.info({ port: config.metricsPort }, 'metrics: GET /metrics on their own port');
// Expired sessions, dead one-time tokens and audit rows past AUDIT_RETENTION, hourly (`pnpm db:prune` does the same once).
const pruneSchedule = startPruneSchedule({ orm, logger, auditRetentionMs: config.auditRetentionMs });
server.on('error', (error: NodeJS.ErrnoException) => {
  // A busy port is a setting, not a crash: one line that says which to change.
  if (error.code === 'EADDRINUSE') {
    logger.fatal(busyPortMessage(config));
  } else {
    logger.fatal({ err: error }, 'server failed to listen');
  }
  process.exit(1);
});

let isStopping = false;
async function shutdown(signal: string): Promise<void> {
  if (isStopping) return;
  isStopping = true;
  // Stop listening before saying so: once the line below is out, a new
  // connection is refused (the listening socket closes synchronously).
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Idle keep-alive sockets would otherwise hold close() open.
  server.closeIdleConnections();
  logger.info({ signal }, 'shutting down: no new connections, draining requests');
  const forced = setTimeout(() => {
    logger.error(
      { timeoutMs: config.shutdownTimeoutMs },
      'requests still running at the shutdown timeout: forcing exit',
    );
    server.closeAllConnections();
    process.exit(1);
  }, config.shutdownTimeoutMs);
  forced.unref();
  await closed;
  // Mails already handed to the background are sent (or fail) before the exit.
  await services.email.idle();
  await pruneSchedule.stop();
  metricsServer?.close();
  await orm.close();
  // The spans of the last requests, sent before the exit (bounded by the exporter's own timeout).
  await tracing
    ?.shutdown()
    .catch((error: unknown) => logger.warn({ err: error }, 'tracing: the last spans could not be sent'));
  if (redis && redisModule) await redisModule.closeRedisClient(redis);
  await devOidc?.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

/** The local provider of OIDC_DEV, with the redirect URIs the app and the server can be reached at in development. */
async function startDevOidc(c: Config, port: number) {
  const { startDevOidcProvider } = await import('./dev-oidc-provider.js');
  const origins = c.apiUrl
    ? [c.apiUrl]
    : ['localhost', '127.0.0.1'].flatMap((host) => [5173, 4173, c.port].map((p) => `http://${host}:${p}`));
  const provider = await startDevOidcProvider({
    port,
    host: 'localhost',
    redirectUris: origins.map((origin) => `${origin}/api/auth/oidc/${DEV_OIDC_PROVIDER_NAME}/callback`),
  });
  logger.warn(
    { issuer: provider.issuer },
    'OIDC_DEV: a local identity provider is running ("Dev IdP": any login name signs in; development only)',
  );
  return provider;
}

function addressPort(s: Server, c: Config): number {
  const address = s.address();
  return typeof address === 'object' && address ? address.port : c.port;
}
