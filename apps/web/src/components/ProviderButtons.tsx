import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api-context.js';
import { oidcStartUrl } from '../api-url.js';
import './ProviderButtons.css';

/**
 * "Continue with …", one per identity provider the server has configured
 * (`auth.providers`). Links, not buttons: each is a navigation to the
 * server's start route, which sends the browser on to the provider.
 */
export function ProviderButtons() {
  const trpc = useTRPC();
  const providers = useQuery(trpc.auth.providers.queryOptions());
  const list = providers.data?.providers ?? [];
  if (list.length === 0) return null;
  return (
    <nav aria-label="Other ways to sign in" className="provider-buttons stack">
      <p className="provider-divider muted">or</p>
      {list.map((provider) => (
        <a key={provider.name} className="button button-secondary button-block" href={oidcStartUrl(provider.name)}>
          Continue with {provider.label}
        </a>
      ))}
    </nav>
  );
}
