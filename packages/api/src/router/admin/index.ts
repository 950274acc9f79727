import { router } from '../../trpc.js';
import { auditEvents } from './audit-events.js';
import { disableUser } from './disable-user.js';
import { setRole } from './set-role.js';

/** The admin procedures, built afresh on each call, input schemas included (see createAppRouter). */
export const createAdminRouter = () =>
  router({
    setRole: setRole(),
    disableUser: disableUser(),
    auditEvents: auditEvents(),
  });
