/**
 * Domain errors: what services throw. One mapping (`trpc.ts`) turns them into
 * tRPC codes, and so into HTTP statuses; services never know about either.
 */
export type AppErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_TOKEN'
  | 'SESSION_REVOKED'
  | 'FORBIDDEN'
  | 'USER_NOT_FOUND'
  | 'USERNAME_TAKEN'
  /** The change would leave no enabled admin. */
  | 'LAST_ADMIN'
  | 'EMAIL_TAKEN'
  /** TOTP is already on (setup), or not on (disable, new recovery codes). */
  | 'MFA_STATE'
  | 'SESSION_NOT_FOUND'
  | 'EMAIL_UNAVAILABLE'
  /** The credential id is already registered (to this user or another): one credential, one user. */
  | 'PASSKEY_TAKEN'
  | 'PASSKEY_NOT_FOUND'
  /** No identity provider of that name is configured. */
  | 'PROVIDER_NOT_FOUND'
  /** The identity provider could not be reached (discovery or token request failed on the network). */
  | 'PROVIDER_UNAVAILABLE'
  /** The provider's answer was refused: no flow in this browser, a wrong state, a bad code or ID token. */
  | 'OIDC_REFUSED'
  | 'NOT_LINKED'
  /** The provider account is linked already (to this user or another), or the user has a link to that provider. */
  | 'ALREADY_LINKED'
  /** The change would leave the account with no way to sign in (no password, and no other link). */
  | 'LAST_SIGN_IN_METHOD'
  | 'THROTTLED'
  | 'DATABASE_UNAVAILABLE';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details: { field?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }
}

export const invalidCredentials = () => new AppError('INVALID_CREDENTIALS', 'Invalid username or password');
