import type { AppRouter } from '@repo/api';
import type { ApiClient, Session } from '@repo/client';
import { type QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { createContext, type ReactNode, use, useSyncExternalStore } from 'react';
import type { NoticeBoard } from './notices.js';

/** `useTRPC()` gives the typed query/mutation options of every procedure (`trpc.user.list.infiniteQueryOptions`). */
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

interface AppServices {
  api: ApiClient;
  notices: NoticeBoard;
}

const AppServicesContext = createContext<AppServices | null>(null);

/**
 * Everything the screens talk to. TanStack Query gets the @repo/client's own
 * tRPC client, so every query and mutation goes through its auth link (the
 * bearer token, renewal, the retry after a 401).
 */
export function AppProviders(props: {
  api: ApiClient;
  notices: NoticeBoard;
  queryClient: QueryClient;
  children: ReactNode;
}) {
  const { api, notices, queryClient } = props;
  return (
    <AppServicesContext value={{ api, notices }}>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={api.trpc} queryClient={queryClient}>
          {props.children}
        </TRPCProvider>
      </QueryClientProvider>
    </AppServicesContext>
  );
}

function useAppServices(): AppServices {
  const services = use(AppServicesContext);
  if (!services) throw new Error('useApi() and useNotices() need <AppProviders> above them');
  return services;
}

/** The @repo/client instance: `login`, `register`, `logout`, `logoutAll` and `session`. */
export function useApi(): ApiClient {
  return useAppServices().api;
}

export function useNotices(): NoticeBoard {
  return useAppServices().notices;
}

/** Who is signed in, or null; re-renders on sign-in, renewal and sign-out. */
export function useSession(): Session | null {
  const { api } = useAppServices();
  return useSyncExternalStore(api.session.subscribe, api.session.get);
}
