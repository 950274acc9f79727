// Preloaded (NODE_OPTIONS=--import=…) into the production server by
// .ci/production-smoke.sh: writes the URL of every module the process
// resolved to LOADED_MODULES_FILE when it exits, so the smoke can check that
// what is loaded only when configured (metrics, tracing, mail) was not.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const resolved = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.add(result.url);
    return result;
  },
});
// The server's own thread: a worker (NODE_OPTIONS reaches workers too) would overwrite the file with its own few.
if (isMainThread) process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, [...resolved].join('\n')));
