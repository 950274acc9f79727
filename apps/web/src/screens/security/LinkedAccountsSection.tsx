import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../api-context.js';
import { Button } from '../../components/Button.js';
import { FormMessage } from '../../components/Callout.js';
import { Card, CardHeader } from '../../components/Card.js';
import { describeError } from '../../error-messages.js';
import './Security.css';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/**
 * The account's links to identity providers: each configured provider,
 * linked (with Unlink) or not (with Link, which navigates through the
 * provider and back to `#/signed-in?linked=…`). Nothing when no provider
 * is configured.
 */
export function LinkedAccountsSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.auth.providers.queryOptions());
  const linked = useQuery(trpc.user.linkedAccounts.queryOptions());
  // The URL leads through the provider: this page is left, the browser comes back to #/signed-in.
  const link = useMutation(
    trpc.user.linkStart.mutationOptions({ onSuccess: ({ url }) => window.location.assign(url) }),
  );
  const unlink = useMutation(
    trpc.user.unlinkAccount.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.user.linkedAccounts.queryKey() }),
    }),
  );
  const list = providers.data?.providers ?? [];
  if (list.length === 0) return null;
  const problem = describeError(link.error ?? unlink.error, {}).message;
  return (
    <Card>
      <CardHeader
        titleId="linked-title"
        title="Sign-in with other accounts"
        description="Accounts at identity providers that sign you in here."
      />
      <FormMessage message={problem} />
      <ul className="linked-accounts" aria-labelledby="linked-title">
        {list.map((provider) => {
          const account = linked.data?.items.find((item) => item.provider === provider.name);
          return (
            <li key={provider.name} className="linked-account">
              <span>
                <strong>{provider.label}</strong>{' '}
                <span className="muted">
                  {account
                    ? `linked${account.email ? ` as ${account.email}` : ''} on ${dateFormat.format(new Date(account.createdAt))}`
                    : 'not linked'}
                </span>
              </span>
              {account ? (
                <Button
                  size="sm"
                  onClick={() => unlink.mutate({ provider: provider.name })}
                  busy={unlink.isPending && unlink.variables.provider === provider.name}
                  busyLabel="Unlinking…"
                >
                  Unlink {provider.label}
                </Button>
              ) : (
                <Button
                  size="sm"
                  onClick={() => link.mutate({ provider: provider.name })}
                  busy={link.isPending || link.isSuccess}
                  busyLabel="Opening…"
                  disabled={linked.isPending}
                >
                  Link {provider.label}
                </Button>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
