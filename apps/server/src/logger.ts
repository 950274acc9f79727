import { createRequire } from 'node:module';
import { INVALID_SPANID, INVALID_TRACEID, trace } from '@opentelemetry/api';
import { type Logger, pino } from 'pino';

/** Paths that must never reach a log line, wherever they appear (at the top or one level down). */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'accessToken',
  'refreshToken',
  'token',
  'authorization',
  'cookie',
];
export const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  '*.headers.authorization',
  '*.headers.cookie',
  'res.headers["set-cookie"]',
];

// Errors from the database driver quote the failed SQL, values included (a
// password hash on register); a JWT can sit in any message. Masked wherever
// they appear in an error's text.
const SECRET_PATTERNS = [/\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}/g, /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g];

function scrub(text: string): string {
  return SECRET_PATTERNS.reduce((t, pattern) => t.replace(pattern, '[redacted]'), text);
}

/** A request target without its query string and fragment. */
export function withoutQuery(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/**
 * A request target as log lines show it: the path alone. The query string is
 * left out whole, since clients put credentials there (a tRPC GET carries its
 * input in `?input=`, some send `?access_token=`); a token in the path is masked.
 */
export function pathForLog(target: string): string {
  const path = withoutQuery(target);
  return path.includes('eyJ') ? scrub(path) : path;
}

/** pino's error serializer, with secrets masked in every string it yields. */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown;
  return JSON.parse(
    JSON.stringify(serialized ?? null, (_key, value: unknown) => (typeof value === 'string' ? scrub(value) : value)),
  );
}

export interface LoggerOptions {
  level: string;
  /** Human-readable output (development); JSON lines otherwise. */
  isPretty: boolean;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    // The trace of the request a line belongs to, when the server traces (tracing.ts), sampled or not:
    // a request the sampler left out still has its trace id, which its caller and its traceparent know.
    // The ids were checked where they were made (the SDK's generator, the propagator's extract): the
    // all-zero ones of an invalid context are the only ones to leave out, and a comparison finds them.
    mixin: () => {
      const context = trace.getActiveSpan()?.spanContext();
      if (!context || context.traceId === INVALID_TRACEID || context.spanId === INVALID_SPANID) return {};
      return { traceId: context.traceId, spanId: context.spanId };
    },
  };
  if (options.isPretty) {
    // Required here, not imported at the top: production never pays for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    // In-process pretty printing: no worker thread, lines stay in order.
    return pino(
      base,
      pretty({
        colorize: true,
        sync: true,
        singleLine: true,
        ignore: 'pid,hostname,req,res',
        destination: options.destination ?? 1,
      }),
    );
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}
