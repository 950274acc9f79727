import { adminRouter } from './router/admin.js';
import { authRouter } from './router/auth.js';
import { userRouter } from './router/user.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  auth: authRouter,
  user: userRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
