import { router } from '../../trpc.js';
import { byId } from './by-id.js';
import { changePassword } from './change-password.js';
import { linkStart } from './link-start.js';
import { linkedAccounts } from './linked-accounts.js';
import { list } from './list.js';
import { me } from './me.js';
import { resendVerification } from './resend-verification.js';
import { revokeSession } from './revoke-session.js';
import { securityActivity } from './security-activity.js';
import { sessions } from './sessions.js';
import { setEmail } from './set-email.js';
import { unlinkAccount } from './unlink-account.js';

/** The user procedures, built afresh on each call, input schemas included (see createAppRouter). */
export const createUserRouter = () =>
  router({
    me: me(),
    list: list(),
    byId: byId(),
    changePassword: changePassword(),
    setEmail: setEmail(),
    resendVerification: resendVerification(),
    sessions: sessions(),
    revokeSession: revokeSession(),
    securityActivity: securityActivity(),
    linkedAccounts: linkedAccounts(),
    linkStart: linkStart(),
    unlinkAccount: unlinkAccount(),
  });
