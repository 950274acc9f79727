/**
 * The one place that copies library internals for speed, each piece kept
 * only while `pnpm bench` measures it at 1.3× or more the library's own code
 * on its path (README, "Upgrading tRPC").
 */
export { createFastTrpcHandler, type FastTrpcHandlerOptions } from './trpc.js';
