import { createRequire } from 'node:module';
import { type Logger, pino } from 'pino';

/** Paths that must never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
];

// Errors from the database driver quote the failed SQL, values included (a
// password hash on register); a JWT can sit in any message. Masked wherever
// they appear in an error's text.
const SECRET_PATTERNS = [/\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}/g, /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g];

function scrub(text: string): string {
  return SECRET_PATTERNS.reduce((t, pattern) => t.replace(pattern, '[redacted]'), text);
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
