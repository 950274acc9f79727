import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api-context.js';
import { describeError } from '../error-messages.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });

export function ProfileScreen() {
  const trpc = useTRPC();
  const me = useQuery(trpc.user.me.queryOptions());

  return (
    <section aria-labelledby="profile-title" aria-busy={me.isPending}>
      <h1 id="profile-title" tabIndex={-1}>
        Your profile
      </h1>
      {me.isPending ? (
        <p role="status">Loading your profile…</p>
      ) : me.isError ? (
        <div role="alert">
          <p>Could not load your profile. {describeError(me.error, {}).message}</p>
          <button type="button" onClick={() => void me.refetch()}>
            Try again
          </button>
        </div>
      ) : (
        <dl className="profile">
          <dt>Username</dt>
          <dd>{me.data.username}</dd>
          <dt>Role</dt>
          <dd>{me.data.role}</dd>
          <dt>Member since</dt>
          <dd>
            <time dateTime={me.data.createdAt}>{dateFormat.format(new Date(me.data.createdAt))}</time>
          </dd>
          <dt>User id</dt>
          <dd>
            <code>{me.data.id}</code>
          </dd>
        </dl>
      )}
    </section>
  );
}
