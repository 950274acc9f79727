/** '' (the default): the API is on this page's origin (Vite's proxy in development, the reverse proxy in production). */
export const API_URL: string = import.meta.env.VITE_API_URL ?? '';

/** The browser navigation that begins a sign-in with an identity provider (not a tRPC call: it answers a redirect). */
export function oidcStartUrl(provider: string): string {
  return `${API_URL.replace(/\/+$/, '')}/api/auth/oidc/${encodeURIComponent(provider)}/start`;
}
