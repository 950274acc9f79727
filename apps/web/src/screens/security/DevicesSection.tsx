import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNotices, useTRPC } from '../../api-context.js';
import { Badge } from '../../components/Badge.js';
import { Button } from '../../components/Button.js';
import { Card, CardHeader } from '../../components/Card.js';
import { describeError } from '../../error-messages.js';
import './Security.css';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The signed-in devices (live sessions), each but this one with "Sign out this device". */
export function DevicesSection() {
  const trpc = useTRPC();
  const notices = useNotices();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.user.sessions.queryOptions());
  const revoke = useMutation(
    trpc.user.revokeSession.mutationOptions({
      onSuccess: () => {
        notices.show({ tone: 'info', text: 'That device is signed out.' });
        void queryClient.invalidateQueries({ queryKey: trpc.user.sessions.queryKey() });
      },
      onError: (error) =>
        notices.show({ tone: 'error', text: describeError(error, {}).message ?? 'Could not sign it out.' }),
    }),
  );

  return (
    <Card>
      <CardHeader titleId="devices-title" title="Devices" description="Where you are signed in now." />
      {sessions.isPending ? (
        <p role="status" className="muted">
          Loading…
        </p>
      ) : sessions.isError ? (
        <p role="alert">Could not load your devices. {describeError(sessions.error, {}).message}</p>
      ) : (
        <ul className="devices" aria-labelledby="devices-title">
          {sessions.data.map((session) => (
            <li key={session.id}>
              <span className="device-name">
                {session.userAgent ?? 'Unknown device'}{' '}
                {session.current ? <Badge tone="accent">this device</Badge> : null}
              </span>
              <span className="muted device-times">
                signed in <time dateTime={session.createdAt}>{dateFormat.format(new Date(session.createdAt))}</time>,
                last active <time dateTime={session.lastUsedAt}>{dateFormat.format(new Date(session.lastUsedAt))}</time>
              </span>
              {session.current ? null : (
                <Button
                  size="sm"
                  onClick={() => revoke.mutate({ id: session.id })}
                  busy={revoke.isPending && revoke.variables?.id === session.id}
                  busyLabel="Signing out…"
                  aria-label={`Sign out this device: ${session.userAgent ?? 'unknown device'}`}
                >
                  Sign out this device
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
