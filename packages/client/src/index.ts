export {
  type ApiClient,
  type ApiClientOptions,
  createApiClient,
  type LoginResult,
  type MfaAnswer,
  type PasskeyLoginInput,
} from './client.js';
export { isSessionExpiredError, SessionExpiredError } from './errors.js';
export type { FetchLike } from './links.js';
export type { Session, SessionListener } from './session.js';
export {
  type LocalStorageSessionStoreOptions,
  type LockManagerLike,
  localStorageSessionStore,
  memorySessionStore,
  type SessionStore,
  type StorageLike,
} from './stores.js';
