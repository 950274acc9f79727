/**
 * The Redis behind login throttling (REDIS_URL): the client, its options, and
 * what the server logs about it. Redis holds nothing but the throttle's
 * counters, and the throttle answers from memory whenever a Redis call fails,
 * so the client is set to fail fast rather than wait, and to keep
 * reconnecting in the background.
 */
import { type AuthThrottle, RateLimiterAuthThrottle, type ThrottleConfig, type ThrottleObserver } from '@repo/api';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export const REDIS_CLIENT_OPTIONS = {
  // While not connected, a command fails at once instead of queueing until
  // Redis returns (the request would wait for it).
  enableOfflineQueue: false,
  // A connection attempt not established within 2 s is abandoned (and retried).
  connectTimeout: 2_000,
  // A command unanswered after 500 ms fails: Redis hung, or a connection
  // silently dropped by the network. A login then waits at most twice this.
  commandTimeout: 500,
  // Commands in flight when the connection drops fail at once rather than
  // wait for a reconnection...
  maxRetriesPerRequest: 0,
  // ...and are not sent again afterwards: the fallback has counted them.
  autoResendUnfulfilledCommands: false,
  // Reconnect forever, 100 ms after the first failure, then backing off to every 2 s.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
} satisfies RedisOptions;

/** What is logged about Redis (tests look for these lines). */
export const REDIS_LOG = {
  connected: 'redis connected: login throttling is shared by every instance using it',
  unreachable: 'redis unreachable: login throttling falls back to per-instance memory until it answers again',
  recovered: 'redis answers again: login throttling is shared across instances again',
  connectionError: 'redis connection error',
} as const;

/**
 * The client for REDIS_URL. It starts connecting at once and keeps
 * reconnecting until closed with `closeRedisClient`.
 */
export function createRedisClient(
  url: string,
  logger: Logger,
  options: {
    keyPrefix?: string;
    /**
     * REDIS_CLIENT_OPTIONS' command timeout otherwise. Tests that count exact
     * budgets on a loaded machine raise it: a slow answer would send a call to
     * the in-memory fallback, which counts apart (as it should in an outage).
     */
    commandTimeoutMs?: number;
  } = {},
): Redis {
  const client = new Redis(url, {
    ...REDIS_CLIENT_OPTIONS,
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
  });
  // One per failed (re)connection attempt: noise during an outage, which the
  // throttle reports once. (Without a listener ioredis prints each to stderr.)
  client.on('error', (error: Error) => logger.debug({ err: error }, REDIS_LOG.connectionError));
  return client;
}

/**
 * The login throttle on Redis. Waits for the connection at most
 * `connectTimeout`: if Redis does not answer by then, the server starts
 * anyway on in-memory counters until it does (one warning now, one info line
 * when it answers). Later outages: one warning each, one info line when over.
 */
export async function createRedisAuthThrottle(
  client: Redis,
  logger: Logger,
  config: Partial<ThrottleConfig> = {},
  /** Budget refusals, for the metrics. */
  observer: ThrottleObserver = {},
): Promise<AuthThrottle> {
  const where = { redis: `${client.options.host ?? 'localhost'}:${client.options.port ?? 6379}` };
  const isReady = await waitUntilReady(client, REDIS_CLIENT_OPTIONS.connectTimeout);
  if (isReady) logger.info(where, REDIS_LOG.connected);
  else logger.warn(where, REDIS_LOG.unreachable);
  return RateLimiterAuthThrottle.withRedis(client, config, {
    ...observer,
    startsUnavailable: !isReady,
    onStoreError: (error) => logger.warn({ ...where, err: error }, REDIS_LOG.unreachable),
    onStoreRecovered: () => logger.info(where, REDIS_LOG.recovered),
  });
}

/** True once the client is connected and ready; false if not within `timeoutMs`. */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (isReady: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      resolve(isReady);
    };
    const onReady = () => finish(true);
    const onEnd = () => finish(false);
    const timer = setTimeout(onEnd, timeoutMs);
    client.once('ready', onReady);
    client.once('end', onEnd);
  });
}

/** QUIT when connected (bounded by the command timeout); otherwise stop reconnecting at once. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: drop the connection.
    }
  }
  client.disconnect();
}
