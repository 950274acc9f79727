import { useSyncExternalStore } from 'react';

/**
 * Screens live in the URL's hash (`#/users`): a reload stays on the screen,
 * the back button works, and any static host serves the app as it is.
 */
export const SIGNED_OUT_ROUTES = ['sign-in', 'register'] as const;
export const SIGNED_IN_ROUTES = ['profile', 'users', 'password', 'security', 'audit'] as const;
/** Screens only admins are shown (anyone else gets the profile). */
export const ADMIN_ROUTES: readonly SignedInRoute[] = ['audit'];
/** Screens shown signed in or out: the ones links in emails open (`#/reset-password?token=…`). */
export const EMAIL_ROUTES = ['forgot-password', 'reset-password', 'verify-email'] as const;
/** Where an identity provider's sign-in lands (`#/signed-in?code=…`): shown signed in or out too. */
export const PROVIDER_ROUTES = ['signed-in'] as const;
export type SignedOutRoute = (typeof SIGNED_OUT_ROUTES)[number];
export type SignedInRoute = (typeof SIGNED_IN_ROUTES)[number];
export type EmailRoute = (typeof EMAIL_ROUTES)[number];
export type ProviderRoute = (typeof PROVIDER_ROUTES)[number];
export type Route = SignedOutRoute | SignedInRoute | EmailRoute | ProviderRoute;

const ROUTES: readonly string[] = [...SIGNED_OUT_ROUTES, ...SIGNED_IN_ROUTES, ...EMAIL_ROUTES, ...PROVIDER_ROUTES];

function isRoute(name: string): name is Route {
  return ROUTES.includes(name);
}

export function isSignedInRoute(route: Route | null): route is SignedInRoute {
  return route !== null && (SIGNED_IN_ROUTES as readonly string[]).includes(route);
}

export function isEmailRoute(route: Route | null): route is EmailRoute {
  return route !== null && (EMAIL_ROUTES as readonly string[]).includes(route);
}

/** The screens shown whether signed in or not: those of emailed links and the identity provider's landing. */
export function isOpenRoute(route: Route | null): route is EmailRoute | ProviderRoute {
  return isEmailRoute(route) || (route !== null && (PROVIDER_ROUTES as readonly string[]).includes(route));
}

export function hrefOf(route: Route): string {
  return `#/${route}`;
}

function currentRoute(): Route | null {
  // A route may carry parameters after "?", like the token of an emailed link.
  const name = window.location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return isRoute(name) ? name : null;
}

/** A parameter of the current route (`#/verify-email?token=…`), or null. */
export function routeParam(name: string): string | null {
  const query = window.location.hash.split('?')[1];
  return query === undefined ? null : new URLSearchParams(query).get(name);
}

// replaceState fires no hashchange: replaceRoute() tells these itself.
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('hashchange', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('hashchange', listener);
  };
}

/** The route named by the URL, or null when it names none. */
export function useRoute(): Route | null {
  return useSyncExternalStore(subscribe, currentRoute);
}

/** Shows `route` in the URL without a new history entry (the screen shown is not the one the URL names). */
export function replaceRoute(route: Route): void {
  window.history.replaceState(window.history.state, '', hrefOf(route));
  for (const listener of [...listeners]) listener();
}
