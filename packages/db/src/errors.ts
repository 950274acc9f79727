/**
 * The `code` of the error a MySQL query fails with when no pooled connection
 * was free within the acquire timeout (`DatabaseConfig.acquireTimeoutMs`).
 */
export const ACQUIRE_TIMEOUT_CODE = 'DB_ACQUIRE_TIMEOUT';
