import { hashKey, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef, useSyncExternalStore } from 'react';
import { useApi, useNotices, useSession, useTRPC } from './api-context.js';
import { AppShell, NavLinks } from './components/AppShell.js';
import { Button } from './components/Button.js';
import { Toast } from './components/Toast.js';
import {
  ADMIN_ROUTES,
  hrefOf,
  isOpenRoute,
  isSignedInRoute,
  type Route,
  replaceRoute,
  type SignedInRoute,
  useRoute,
} from './routes.js';
import { AuditScreen } from './screens/AuditScreen.js';
import { ForgotPasswordScreen, ResetPasswordScreen, VerifyEmailScreen } from './screens/EmailScreens.js';
import { PasswordScreen } from './screens/PasswordScreen.js';
import { ProfileScreen } from './screens/ProfileScreen.js';
import { RegisterScreen } from './screens/RegisterScreen.js';
import { SecurityScreen } from './screens/SecurityScreen.js';
import { SignedInScreen } from './screens/SignedInScreen.js';
import { SignInScreen } from './screens/SignInScreen.js';
import { UsersScreen } from './screens/UsersScreen.js';

/** How often a signed-in app asks who it is: a session revoked elsewhere is noticed within this time. */
const SESSION_CHECK_INTERVAL_MS = 60_000;

const SCREENS: Record<Route, () => ReactNode> = {
  'sign-in': () => <SignInScreen />,
  register: () => <RegisterScreen />,
  profile: () => <ProfileScreen />,
  users: () => <UsersScreen />,
  password: () => <PasswordScreen />,
  security: () => <SecurityScreen />,
  audit: () => <AuditScreen />,
  'forgot-password': () => <ForgotPasswordScreen />,
  'reset-password': () => <ResetPasswordScreen />,
  'verify-email': () => <VerifyEmailScreen />,
  'signed-in': () => <SignedInScreen />,
};

export function App() {
  const session = useSession();
  const route = useRoute();
  const isSignedIn = session !== null;
  const isAdmin = session?.user.role === 'admin';
  // Signed out, every signed-in screen shows sign-in and keeps its URL, so
  // signing in (again, after a session ended) returns to it.
  // The screens of emailed links open signed in or out.
  const screen: Route = isOpenRoute(route)
    ? route
    : isSignedIn
      ? isSignedInRoute(route) && (isAdmin || !ADMIN_ROUTES.includes(route))
        ? route
        : 'profile'
      : route === 'register'
        ? 'register'
        : 'sign-in';
  // Signed in from #/register or #/sign-in: the URL follows, so signing out later does not land there.
  useEffect(() => {
    if (isSignedIn && route !== screen) replaceRoute(screen);
  }, [isSignedIn, route, screen]);

  // A new screen puts the keyboard (and screen readers) on its heading; the
  // first one leaves focus where the browser puts it on a page load.
  const mainRef = useRef<HTMLElement>(null);
  const shownScreen = useRef<Route | null>(null);
  useEffect(() => {
    if (shownScreen.current !== null && shownScreen.current !== screen) {
      mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
    }
    shownScreen.current = screen;
  }, [screen]);

  // Once a user's screens are gone, so is their data: the next user never sees it.
  // What the server tells everyone (its identity providers, which the sign-in
  // screen is showing) stays: removed, its query would never load again.
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  useEffect(() => {
    if (isSignedIn) return;
    const everyones = hashKey(trpc.auth.providers.queryKey());
    queryClient.removeQueries({ predicate: (query) => query.queryHash !== everyones });
  }, [isSignedIn, queryClient, trpc]);

  const isAppScreen = session !== null && isSignedInRoute(screen);
  return (
    <AppShell
      productName="Auth example"
      nav={isAppScreen ? <SignedInNav screen={screen} isAdmin={isAdmin} /> : null}
      account={isAppScreen ? <Account /> : null}
      toast={<NoticeToast />}
      layout={isAppScreen ? 'page' : 'card'}
      mainRef={mainRef}
    >
      {SCREENS[screen]()}
    </AppShell>
  );
}

function NoticeToast() {
  const notices = useNotices();
  const notice = useSyncExternalStore(notices.subscribe, notices.get);
  return <Toast text={notice?.text ?? null} tone={notice?.tone ?? 'info'} onDismiss={() => notices.clear()} />;
}

const NAV: { route: SignedInRoute; label: string }[] = [
  { route: 'profile', label: 'Profile' },
  { route: 'users', label: 'Users' },
  { route: 'password', label: 'Change password' },
  { route: 'security', label: 'Security' },
  { route: 'audit', label: 'Audit' },
];

function SignedInNav({ screen, isAdmin }: { screen: SignedInRoute; isAdmin: boolean }) {
  const notices = useNotices();
  // The admin screens' links only for admins (the server refuses anyone else regardless).
  const items = isAdmin ? NAV : NAV.filter(({ route }) => !ADMIN_ROUTES.includes(route));
  return (
    <NavLinks
      items={items.map(({ route, label }) => ({ href: hrefOf(route), label, isCurrent: route === screen }))}
      onNavigate={() => notices.clear()}
    />
  );
}

/** Who is signed in, and the two ways out. */
function Account() {
  const api = useApi();
  const notices = useNotices();
  const trpc = useTRPC();
  // Asking the server who we are, now and then and when the window regains
  // focus, is what notices a session ended elsewhere (the client's renewal
  // fails, onSessionExpired fires); each call also renews the token when due.
  const me = useQuery({ ...trpc.user.me.queryOptions(), refetchInterval: SESSION_CHECK_INTERVAL_MS });
  const session = useSession();
  const username = me.data?.username ?? session?.user.username;

  // The callbacks belong to the mutations, not to mutate(): the header's account is gone
  // by the time they run (the session ends before logout() resolves). Unlike
  // an ended session, signing out forgets the screen: the next sign-in starts afresh.
  const signOut = useMutation({
    mutationFn: () => api.logout(),
    onSettled: () => replaceRoute('sign-in'),
    onSuccess: () => notices.show({ tone: 'info', text: 'You have signed out.' }),
    onError: () =>
      notices.show({ tone: 'error', text: 'Signed out on this device; the server could not be told (offline?).' }),
  });
  const signOutEverywhere = useMutation({
    mutationFn: () => api.logoutAll(),
    onSettled: () => replaceRoute('sign-in'),
    onSuccess: (count) =>
      notices.show({
        tone: 'info',
        text: `You have signed out everywhere (${count} ${count === 1 ? 'session' : 'sessions'} ended).`,
      }),
    onError: () =>
      notices.show({
        tone: 'error',
        text: 'Signed out on this device, but the server could not be reached: other devices may still be signed in.',
      }),
  });
  const isBusy = signOut.isPending || signOutEverywhere.isPending;

  return (
    <>
      <p className="signed-in-as">
        Signed in as <strong>{username}</strong>
      </p>
      <Button
        size="sm"
        onClick={() => signOut.mutate()}
        disabled={isBusy}
        busy={signOut.isPending}
        busyLabel="Signing out…"
      >
        Sign out
      </Button>
      <Button
        size="sm"
        variant="quiet"
        onClick={() => signOutEverywhere.mutate()}
        disabled={isBusy}
        busy={signOutEverywhere.isPending}
        busyLabel="Signing out everywhere…"
      >
        Sign out everywhere
      </Button>
    </>
  );
}
