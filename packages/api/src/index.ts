export {
  type ApiObserver,
  type ApiServices,
  type Context,
  type CreateContextOptions,
  createContext,
  DEFAULT_PUBLIC_ORIGIN,
  type ProcedureCall,
} from './context.js';
export {
  type Access,
  type CookieMode,
  type DeclaredError,
  type ErrorExample,
  type ProcedureContract,
  type ProcedureMeta,
  procedureContracts,
} from './contract.js';
export {
  type CookieModePort,
  REFRESH_COOKIE_NAME,
  type RefreshCookieChange,
  SESSION_MODE_HEADER,
  type SessionMode,
  sessionModeOf,
} from './cookie-mode.js';
export { errorResponseHeaders, InputValidationError, toTRPCError } from './error-mapping.js';
export { AppError, type AppErrorCode } from './errors.js';
export { createOpenApiDocument, errorStatusesOf, OIDC_NAVIGATION_ROUTES } from './openapi.js';
export * from './passkey-schemas.js';
export { type AppRouter, appRouter, createAppRouter, createCaller } from './root.js';
export * from './schemas.js';
export {
  AccountEmailService,
  hashToken,
  RESET_TOKEN_TTL_MS,
  VERIFY_TOKEN_TTL_MS,
} from './services/account-email.js';
export { AdminService } from './services/admin.js';
export { type AuditEventView, AuditLog, type AuditLogOptions, auditEventPage } from './services/audit-log.js';
export {
  type AuthIdentity,
  AuthService,
  type ClientInfo,
  DEFAULT_SESSION_MAX_PER_USER,
  MFA_CHALLENGE_TTL_MS,
  type SignInResult,
  toPublicUser,
} from './services/auth.js';
export { type MailContext, type Mailer, type MailMessage, MailOutbox } from './services/mail.js';
export { MFA_CHALLENGE_MAX_ATTEMPTS, MfaService, RECOVERY_CODES_PER_SET } from './services/mfa.js';
export {
  OIDC_FLOW_TTL_MS,
  OIDC_LINK_TICKET_TTL_MS,
  OIDC_SIGN_IN_CODE_TTL_MS,
  type OidcDeps,
  type OidcProviderConfig,
  OidcService,
  type OidcStart,
} from './services/oidc.js';
export {
  PasskeyService,
  type PasskeySummary,
  WEBAUTHN_CHALLENGE_TTL_MS,
  type WebauthnConfig,
} from './services/passkeys.js';
export { hasPassword, NO_PASSWORD_HASH, PasswordHasher } from './services/passwords.js';
export {
  MAX_USER_AGENT_LENGTH,
  type RequestInfo,
  type SecurityEvent,
  type SecurityEventSink,
  type SecurityEventType,
} from './services/security-events.js';
export {
  type AttemptCounter,
  type AuthThrottle,
  addressBudgetKey,
  DEFAULT_THROTTLE,
  DEFAULT_THROTTLE_WINDOW,
  RateLimiterAuthThrottle,
  type RedisClientLike,
  type RedisThrottleOptions,
  type ResetRequestBudget,
  THROTTLE_BUDGETS,
  type ThrottleBudgetKey,
  type ThrottleConfig,
  type ThrottleKeys,
  type ThrottleObserver,
} from './services/throttle.js';
export { type TokenClaims, type TokenConfig, TokenService } from './services/tokens.js';
export { SecretCipher, TOTP_PARAMETERS } from './services/totp.js';
export {
  type ApiConfig,
  createApiServices,
  DEFAULT_APP_URL,
  DEFAULT_WEBAUTHN_RP_NAME,
  webauthnConfigOf,
} from './services.js';
export { adminProcedure, createCallerFactory, protectedProcedure, publicProcedure, router } from './trpc.js';
