/**
 * Test support for the Redis-backed throttle: the test Redis
 * (TEST_REDIS_URL, default redis://127.0.0.1:6379), whether it is there,
 * key prefixes that keep test runs apart, a logger whose lines can be read
 * back, and a TCP proxy to take Redis away and give it back.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { isRequired } from '@repo/vitest-config/services';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createLogger } from '../src/logger.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether the tests of `what` run: yes when Redis answers; also when Redis is
 * required (TEST_REDIS_URL or REQUIRE_SERVICES=1) and does not (they then fail
 * in `requireRedis`); otherwise they are skipped with a notice.
 */
export async function redisTestsRun(what: string): Promise<{ runs: boolean; requireRedis: () => void }> {
  const hasRedis = await isReachable(TEST_REDIS_URL);
  if (!hasRedis && !isRequired.redis) {
    console.warn(
      `[tests] Redis at ${TEST_REDIS_URL} (TEST_REDIS_URL) is unreachable: skipping ${what} (with TEST_REDIS_URL or REQUIRE_SERVICES=1 set they fail instead).`,
    );
  }
  return {
    runs: hasRedis || isRequired.redis,
    requireRedis: () => {
      if (!hasRedis) throw new Error(`Redis is required and unreachable at ${TEST_REDIS_URL} (TEST_REDIS_URL)`);
    },
  };
}

async function isReachable(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A key prefix of its own for one run of one test file: counters are never shared between runs. */
export function uniqueKeyPrefix(file: string): string {
  return `test:${file}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** A plain client on the test Redis, to look at keys and clean up. */
export async function inspectRedis(): Promise<Redis & { deleteKeys(prefix: string): Promise<void> }> {
  const client = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  await client.connect();
  return Object.assign(client, {
    async deleteKeys(prefix: string) {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
    },
  });
}

export interface LogLine {
  level: number;
  msg: string;
  err?: { message?: string; type?: string };
  [key: string]: unknown;
}

/** A logger like the server's (JSON lines), whose lines are kept. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      pending += String(chunk);
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) if (part) lines.push(JSON.parse(part) as LogLine);
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', isPretty: false, destination }), lines };
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/**
 * A TCP proxy in front of the test Redis on a fixed local port: `stop()`
 * takes Redis away (connections dropped, port refusing), `start()` gives it
 * back on the same port, `silence()` keeps connections open but passes
 * nothing on, like a Redis that hangs.
 */
export class RedisProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #isSilent = false;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const target = new URL(TEST_REDIS_URL);
    this.#isSilent = false;
    const server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.#sockets.add(from);
        from.on('data', (chunk) => {
          if (!this.#isSilent) to.write(chunk);
        });
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.#sockets.delete(from);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  silence(): void {
    this.#isSilent = true;
  }
}

/** Resolves once the client is connected and ready. */
export async function untilReady(client: Redis): Promise<void> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
}

/** Resolves once the client has noticed that its connection is gone. */
export async function untilDisconnected(client: Redis): Promise<void> {
  if (client.status === 'ready') await new Promise((resolve) => client.once('close', resolve));
}
