import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

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

export interface LoggerOptions {
  level: string;
  /** Human-readable output (development); JSON lines otherwise. */
  isPretty: boolean;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (options.isPretty) {
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
