/**
 * Traces with OpenTelemetry (API.md "Audit log, metrics and traces"), only
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set: the Node SDK picks its exporter
 * from the standard OTEL_* variables itself (OTLP over HTTP with protobuf by
 * default; `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` or `grpc` as they say). Spans: the HTTP request
 * (here), each procedure and each bcrypt run (@repo/api), each statement
 * (@repo/db's driver); W3C `traceparent` is honoured and returned, and log
 * lines carry the trace id (logger.ts).
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

export interface Tracing {
  /** Sends the spans still buffered, then stops (on shutdown). */
  shutdown(): Promise<void>;
}

/** Starts the SDK: a tracer provider, the AsyncLocalStorage context, W3C propagation, the exporter the variables name. */
export async function startTracing(serviceName: string): Promise<Tracing> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  // No auto-instrumentation: the spans this service makes are its own, and ESM needs no loader hook then.
  // Traces only: metrics are Prometheus's (METRICS_PORT) and logs stdout's; without the two empty
  // lists the SDK would also start an OTLP metric reader and log provider of its own.
  const sdk = new NodeSDK({ serviceName, instrumentations: [], metricReaders: [], logRecordProcessors: [] });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

const tracer = trace.getTracer('@repo/server');

declare module 'http' {
  interface IncomingMessage {
    /** Set by `httpTracing`: the request's trace, for its access-log line. */
    traceId?: string;
  }
}

/**
 * In front of every route: a server span per request, the child of the
 * caller's `traceparent` when it sent one, active for everything the request
 * runs, and its own `traceparent` in the response.
 */
export function httpTracing(routeOf: (method: string, path: string) => string): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const route = routeOf(req.method, req.path);
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': route } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const carrier: Record<string, string> = {};
    propagation.inject(active, carrier);
    for (const [name, value] of Object.entries(carrier)) res.setHeader(name, value);
    req.traceId = span.spanContext().traceId;
    // A span the sampler left out records nothing, its end included: no listener for it.
    if (span.isRecording()) {
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
    }
    context.with(active, next);
  };
}
