/**
 * Prometheus metrics (METRICS_PORT, API.md "Audit log, metrics and traces"):
 * one registry per server, fed by the API's observer (procedure calls, budget
 * refusals), the security events (sign-in outcomes), the mailer, an HTTP
 * layer and the MySQL pool; served on a port of its own, never the public one.
 */
import { createServer, type Server } from 'node:http';
import type { ApiObserver, Mailer, SecurityEvent, ThrottleBudgetKey } from '@repo/api';
import type { PoolUse } from '@repo/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { withoutQuery } from './logger.js';
import type { ResponseObserver } from './request-log.js';

/** Seconds; from a fast session check to a slow bcrypt at cost 12 and beyond. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The security events counted as sign-in outcomes. */
const SIGN_IN_OUTCOMES: Partial<Record<SecurityEvent['type'], string>> = {
  'login.succeeded': 'succeeded',
  'login.failed': 'failed',
  'login.disabled': 'failed',
  'login.throttled': 'throttled',
};

export interface Metrics {
  registry: Registry;
  /** Give to createApiServices: procedure calls and budget refusals. */
  observer: ApiObserver;
  /** Call with every security event. */
  onSecurityEvent(event: SecurityEvent): void;
  /** The mailer, counting what it sends and what fails. */
  countingMailer(mailer: Mailer): Mailer;
  /** Give to `requestLog`: the duration of each request by route template and status. */
  responseObserver(routeOf: (method: string, path: string) => string): ResponseObserver;
}

/** `pool`: the MySQL pool's use (`poolUseOf(orm)`), read at each scrape; none on SQLite. */
export function createMetrics(options: { pool?: Readonly<PoolUse> | undefined } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { pool } = options;
  if (pool) {
    new Gauge({
      name: 'db_pool_connections',
      help: 'MySQL pool connections: in use (handed out, not yet given back) and the most the pool opens (max)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.set({ state: 'in_use' }, pool.inUse);
        this.set({ state: 'max' }, pool.max);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Callers waiting for a MySQL pool connection (each for at most DB_ACQUIRE_TIMEOUT)',
      registers: [registry],
      collect() {
        this.set(pool.waiting);
      },
    });
    new Counter({
      name: 'db_pool_acquire_timeouts_total',
      help: 'Waits for a MySQL pool connection given up at DB_ACQUIRE_TIMEOUT (the request answered 503)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pool.acquireTimeouts);
      },
    });
  }
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route (a route template or procedure path, never the raw URL) and status',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const procedureDuration = new Histogram({
    name: 'trpc_procedure_duration_seconds',
    help: 'Procedure calls (tRPC and REST alike) by procedure path, type and outcome (ok, or the tRPC error code)',
    labelNames: ['procedure', 'type', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'auth_sign_ins_total',
    help: 'Password sign-ins by outcome (succeeded, failed, throttled)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'auth_throttle_refusals_total',
    help: 'Requests a throttle budget refused, by budget (THROTTLE_* in the README)',
    labelNames: ['budget'],
    registers: [registry],
  });
  const mails = new Counter({
    name: 'mail_messages_total',
    help: 'Messages handed to the mail server, by outcome (sent, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });

  return {
    registry,
    observer: {
      procedureFinished: ({ path, type, durationMs, errorCode }) =>
        procedureDuration.observe({ procedure: path, type, outcome: errorCode ?? 'ok' }, durationMs / 1000),
      onRefused: (budget: ThrottleBudgetKey) => refusals.inc({ budget }),
    },
    onSecurityEvent(event) {
      const outcome = SIGN_IN_OUTCOMES[event.type];
      if (outcome) signIns.inc({ outcome });
    },
    countingMailer(mailer) {
      return {
        async send(message) {
          try {
            await mailer.send(message);
            mails.inc({ outcome: 'sent' });
          } catch (error) {
            mails.inc({ outcome: 'failed' });
            throw error;
          }
        },
      };
    },
    responseObserver(routeOf) {
      return (req, res, durationMs) => {
        // A response the client abandoned has no status to count.
        if (!res.writableFinished) return;
        httpDuration.observe(
          {
            method: req.method,
            route: routeOf(req.method, requestPath(req.originalUrl)),
            status: String(res.statusCode),
          },
          durationMs / 1000,
        );
      };
    },
  };
}

/**
 * The path of a request as its client sent it, without the query string:
 * mounted routers rewrite `req.url` and `req.path` on the way, never `req.originalUrl`.
 */
function requestPath(originalUrl: string): string {
  if (!originalUrl.startsWith('/')) {
    // The absolute form (`GET http://host/path`), which proxies send.
    try {
      return new URL(originalUrl).pathname;
    } catch {
      return originalUrl;
    }
  }
  return withoutQuery(originalUrl);
}

/** The metrics endpoint on its own port: GET /metrics, nothing else. */
export function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
