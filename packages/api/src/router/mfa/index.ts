import { router } from '../../trpc.js';
import { disable } from './disable.js';
import { regenerateRecoveryCodes } from './regenerate-recovery-codes.js';
import { status } from './status.js';
import { totpConfirm } from './totp-confirm.js';
import { totpSetup } from './totp-setup.js';

/** The second-factor procedures, built afresh on each call, input schemas included (see createAppRouter). */
export const createMfaRouter = () =>
  router({
    status: status(),
    totpSetup: totpSetup(),
    totpConfirm: totpConfirm(),
    disable: disable(),
    regenerateRecoveryCodes: regenerateRecoveryCodes(),
  });
