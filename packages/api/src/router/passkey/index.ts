import { router } from '../../trpc.js';
import { list } from './list.js';
import { register } from './register.js';
import { registrationOptions } from './registration-options.js';
import { remove } from './remove.js';

/** The signed-in user's passkeys, built afresh on each call, input schemas included (see createAppRouter). */
export const createPasskeyRouter = () =>
  router({
    registrationOptions: registrationOptions(),
    register: register(),
    list: list(),
    remove: remove(),
  });
