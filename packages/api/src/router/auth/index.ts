import { router } from '../../trpc.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { logoutAll } from './logout-all.js';
import { oidcExchange } from './oidc-exchange.js';
import { passkeyLogin } from './passkey-login.js';
import { passkeyOptions } from './passkey-options.js';
import { providers } from './providers.js';
import { refresh } from './refresh.js';
import { register } from './register.js';
import { requestPasswordReset } from './request-password-reset.js';
import { resetPassword } from './reset-password.js';
import { verifyEmail } from './verify-email.js';
import { verifyMfa } from './verify-mfa.js';

/** The auth procedures, built afresh on each call, input schemas included (see createAppRouter). */
export const createAuthRouter = () =>
  router({
    register: register(),
    login: login(),
    verifyMfa: verifyMfa(),
    refresh: refresh(),
    logout: logout(),
    logoutAll: logoutAll(),
    requestPasswordReset: requestPasswordReset(),
    resetPassword: resetPassword(),
    verifyEmail: verifyEmail(),
    passkeyOptions: passkeyOptions(),
    passkeyLogin: passkeyLogin(),
    providers: providers(),
    oidcExchange: oidcExchange(),
  });
