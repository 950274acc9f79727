import { useInfiniteQuery } from '@tanstack/react-query';
import { useTRPC } from '../api-context.js';
import { describeError } from '../error-messages.js';
import { AuditEventList } from './AuditEventList.js';
import { Card, CardHeader } from './Card.js';

/** The signed-in user's own audit events, newest first. */
export function SecurityActivitySection() {
  const trpc = useTRPC();
  const activity = useInfiniteQuery(
    trpc.user.securityActivity.infiniteQueryOptions({ limit: 10 }, { getNextPageParam: (page) => page.nextCursor }),
  );
  const events = activity.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Card>
      <CardHeader
        titleId="activity-title"
        title="Recent security activity"
        description="Sign-ins, failed attempts and changes to your account, newest first. Something you do not recognise? Change your password."
      />
      {activity.isPending ? (
        <p role="status" className="muted">
          Loading your activity…
        </p>
      ) : activity.isError && events.length === 0 ? (
        <p role="alert">Could not load your activity. {describeError(activity.error, {}).message}</p>
      ) : events.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <AuditEventList
          events={events}
          labelledBy="activity-title"
          more={activity}
          moreLabel="Show older"
          moreBusyLabel="Loading more…"
        />
      )}
    </Card>
  );
}
