import { router } from '../../trpc.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { logoutAll } from './logout-all.js';
import { oidcExchange } from './oidc-exchange.js';
import { providers } from './providers.js';
import { refresh } from './refresh.js';
import { register } from './register.js';
import { requestPasswordReset } from './request-password-reset.js';
import { resetPassword } from './reset-password.js';
import { verifyEmail } from './verify-email.js';

/** The auth procedures, built afresh on each call, input schemas included (see createAppRouter). */
export const createAuthRouter = () =>
  router({
    register: register(),
    login: login(),
    refresh: refresh(),
    logout: logout(),
    logoutAll: logoutAll(),
    requestPasswordReset: requestPasswordReset(),
    resetPassword: resetPassword(),
    verifyEmail: verifyEmail(),
    providers: providers(),
    oidcExchange: oidcExchange(),
  });
