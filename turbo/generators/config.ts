import type { PlopTypes } from '@turbo/gen';
import { registerEntityGenerator } from './entity.js';
import { registerProcedureGenerator } from './procedure.js';

/**
 * `pnpm turbo gen procedure --args <router> <name> <query|mutation> <public|protected|admin>`
 * `pnpm turbo gen entity --args <Name>`
 * Without --args, each asks its questions. README "Make it yours" says what comes next.
 */
export default function generators(plop: PlopTypes.NodePlopAPI): void {
  registerProcedureGenerator(plop);
  registerEntityGenerator(plop);
}
