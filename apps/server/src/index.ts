export {
  type AppDeps,
  BODY_LIMIT_BYTES,
  createApp,
  MAX_BATCH_SIZE,
  MAX_HEADER_BYTES,
  requestListener,
} from './app.js';
export { type Config, ConfigError, findRootDir, loadConfig, parseConfig, parseDurationMs } from './config.js';
export { createLogger, REDACTED_PATHS } from './logger.js';
