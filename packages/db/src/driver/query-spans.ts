import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@repo/db');

/** A quoted string (either dialect's escapes), a number standing alone: the values MikroORM writes into a statement. */
const LITERALS = /'(?:[^'\\]|\\.|'')*'|(?<![\w$`."])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi;

/**
 * A statement's text with every value in it replaced by `?`. MikroORM
 * writes the values into the text it hands the driver (its formatQuery):
 * a password hash, an address, a token's hash. The span carries the shape of
 * the statement, never what it stored or looked for (OpenTelemetry's
 * semantic conventions: query text is sanitized unless parameterized).
 */
export function sanitizedQueryText(sql: string): string {
  return sql.replace(LITERALS, '?');
}

/**
 * A span for one statement, the active span's child (OpenTelemetry's API:
 * it records nothing unless the server started an SDK). It carries the
 * statement's text without its values (sanitizedQueryText).
 * None inside a request the sampler left out (its span records nothing, and
 * so would this one under a parent-based sampler).
 */
export function startQuerySpan(system: 'sqlite' | 'mysql', sql: string): Span | undefined {
  if (trace.getActiveSpan()?.isRecording() === false) return undefined;
  const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
  const span = tracer.startSpan(`${operation} ${system}`, { kind: SpanKind.CLIENT });
  // Without an SDK (or a sampler that said no) the span records nothing: its text is not worth making.
  if (!span.isRecording()) return undefined;
  return span.setAttributes({
    'db.system.name': system,
    'db.operation.name': operation,
    'db.query.text': sanitizedQueryText(sql),
  });
}

export function endQuerySpan(span: Span | undefined, error?: unknown): void {
  if (!span) return;
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? 'error' });
  span.end();
}

/** Runs a synchronous statement (libsql's) in its span. */
export function inQuerySpan<T>(system: 'sqlite' | 'mysql', sql: string, run: () => T): T {
  const span = startQuerySpan(system, sql);
  if (!span) return run();
  try {
    const result = run();
    endQuerySpan(span);
    return result;
  } catch (error) {
    endQuerySpan(span, error);
    throw error;
  }
}
