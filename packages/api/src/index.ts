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
export {
  auditEventPageSchema,
  auditEventSchema,
  emailSchema,
  errorSchema,
  MAX_REFRESH_TOKEN_LENGTH,
  MFA_METHODS,
  type MfaMethod,
  type PublicUser,
  passkeySchema,
  passwordSchema,
  providerInput,
  providerInputSchema,
  providerNameSchema,
  publicUserSchema,
  recoveryCodesOutputSchema,
  revokedSessionsOutputSchema,
  successOutputSchema,
  type TokenPair,
  type TokenPairResponse,
  tokenPairSchema,
  totpCodeSchema,
  userIdInput,
  userIdInputSchema,
  usernameSchema,
} from './fields.js';
export { createOpenApiDocument, errorStatusesOf, OIDC_NAVIGATION_ROUTES } from './openapi.js';
export { type AppRouter, appRouter, createAppRouter, createCaller } from './root.js';
export { auditEventsInput, auditEventsInputSchema } from './router/admin/audit-events.js';
export {
  adminDisableUserInput,
  adminDisableUserInputSchema,
  adminDisableUserOutputSchema,
} from './router/admin/disable-user.js';
export { adminSetRoleInput, adminSetRoleInputSchema } from './router/admin/set-role.js';
export { credentialsInput, credentialsSchema, loginOutputSchema, mfaChallengeSchema } from './router/auth/login.js';
export { logoutOutputSchema } from './router/auth/logout.js';
export { oidcExchangeInput, oidcExchangeInputSchema } from './router/auth/oidc-exchange.js';
export { authenticationResponseSchema, passkeyLoginInput } from './router/auth/passkey-login.js';
export { passkeyChallengeSchema, requestOptionsSchema } from './router/auth/passkey-options.js';
export { oidcProviderSchema, oidcProvidersOutputSchema } from './router/auth/providers.js';
export { refreshInput, refreshInputSchema } from './router/auth/refresh.js';
export { registerInput, registerInputSchema } from './router/auth/register.js';
export { requestPasswordResetInput, requestPasswordResetInputSchema } from './router/auth/request-password-reset.js';
export { resetPasswordInput, resetPasswordInputSchema } from './router/auth/reset-password.js';
export { verifyEmailInput, verifyEmailInputSchema } from './router/auth/verify-email.js';
export { recoveryCodeSchema, verifyMfaInput } from './router/auth/verify-mfa.js';
export { mfaChangeInput } from './router/mfa/change.js';
export { mfaStatusSchema } from './router/mfa/status.js';
export { totpConfirmInput } from './router/mfa/totp-confirm.js';
export { totpSetupInput, totpSetupOutputSchema } from './router/mfa/totp-setup.js';
export { passkeyListSchema } from './router/passkey/list.js';
export { registerPasskeyInput, registrationResponseSchema } from './router/passkey/register.js';
export { creationOptionsSchema, registrationOptionsInput } from './router/passkey/registration-options.js';
export { passkeyIdInput } from './router/passkey/remove.js';
export { changePasswordInput, changePasswordInputSchema } from './router/user/change-password.js';
export { linkStartOutputSchema } from './router/user/link-start.js';
export { linkedAccountSchema, linkedAccountsOutputSchema } from './router/user/linked-accounts.js';
export { listUsersInput, listUsersInputSchema, userPageSchema } from './router/user/list.js';
export { type CurrentUser, currentUserSchema } from './router/user/me.js';
export { sessionIdInput } from './router/user/revoke-session.js';
export { securityActivityInput, securityActivityInputSchema } from './router/user/security-activity.js';
export { sessionListSchema, sessionSchema } from './router/user/sessions.js';
export { setEmailInput, setEmailInputSchema } from './router/user/set-email.js';
export {
  AccountEmailService,
  hashToken,
  RESET_TOKEN_TTL_MS,
  VERIFY_TOKEN_TTL_MS,
} from './services/account-email.js';
export {
  type AdminDisableUserInput,
  type AdminDisableUserOutput,
  AdminService,
  type AdminSetRoleInput,
  type AdminSetRoleOutput,
} from './services/admin.js';
export { type AuditEventView, AuditLog, type AuditLogOptions, auditEventPage } from './services/audit-log.js';
export {
  type AuthIdentity,
  AuthService,
  type ClientInfo,
  type Credentials,
  DEFAULT_SESSION_MAX_PER_USER,
  MFA_CHALLENGE_TTL_MS,
  type MfaChallengeAnswer,
  type RegisterInput,
  type SessionInfo,
  type SignInResult,
  toPublicUser,
} from './services/auth.js';
export { type MailContext, type Mailer, type MailMessage, MailOutbox } from './services/mail.js';
export {
  MFA_CHALLENGE_MAX_ATTEMPTS,
  MfaService,
  RECOVERY_CODES_PER_SET,
  type VerifyMfaInput,
} from './services/mfa.js';
export {
  type LinkedAccount,
  OIDC_FLOW_TTL_MS,
  OIDC_LINK_TICKET_TTL_MS,
  OIDC_SIGN_IN_CODE_TTL_MS,
  type OidcDeps,
  type OidcProvider,
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
