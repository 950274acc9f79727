import type { AuditEventView as AuditEvent } from '@repo/api';
import { Button } from './Button.js';
import './AuditEventList.css';

/** What the common events mean, in words; any other type (new ones included) is shown as it is named. */
const EVENT_LABELS: Record<string, string> = {
  register: 'Account created',
  'login.succeeded': 'Signed in',
  'login.failed': 'Failed sign-in',
  'login.disabled': 'Sign-in refused (account disabled)',
  'login.throttled': 'Sign-ins paused after too many failures',
  'refresh.reuse_detected': 'Session ended: a refresh token was used twice',
  logout: 'Signed out',
  logout_all: 'Signed out everywhere',
  'password.changed': 'Password changed',
  'password.failed': 'Wrong current password',
  'email.set': 'Email address changed',
  'email.verified': 'Email address confirmed',
  'email.verification_sent': 'Confirmation email sent',
  'password_reset.requested': 'Password reset requested',
  'password_reset.completed': 'Password reset',
  'passkey.added': 'Passkey added',
  'passkey.removed': 'Passkey removed',
  'admin.role_changed': 'Role changed by an admin',
  'admin.user_disabled': 'Account disabled by an admin',
};

export const labelOfEvent = (type: string) => EVENT_LABELS[type] ?? type;

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The pages of an infinite query (TanStack Query's `useInfiniteQuery`) the list shows. */
interface MorePages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): unknown;
}

/**
 * Audit events, newest first: what happened, when, from where; with who and
 * about whom when `showUsers`; and, while `more` (the query itself, whose
 * fields are read here: TanStack Query re-renders for the ones read) has a
 * next page, a button that loads it.
 */
export function AuditEventList({
  events,
  labelledBy,
  showUsers = false,
  more,
  moreLabel,
  moreBusyLabel,
}: {
  events: AuditEvent[];
  labelledBy: string;
  showUsers?: boolean;
  more: MorePages;
  moreLabel: string;
  moreBusyLabel: string;
}) {
  return (
    <>
      <ol className="audit-events" aria-labelledby={labelledBy}>
        {events.map((event) => (
          <li key={event.id} className="audit-event">
            <div className="audit-event-what">
              <strong>{labelOfEvent(event.type)}</strong>
              <time dateTime={event.at}>{timeFormat.format(new Date(event.at))}</time>
            </div>
            <p className="audit-event-where muted">
              {event.clientAddress ?? 'unknown address'}
              {event.userAgent ? ` · ${event.userAgent}` : ''}
            </p>
            {showUsers ? (
              <p className="audit-event-who muted">
                <code>{event.type}</code> · user {event.userId ?? 'none'} · by {event.actorId ?? 'unknown'}
              </p>
            ) : null}
          </li>
        ))}
      </ol>
      {more.hasNextPage ? (
        <p>
          <Button onClick={() => void more.fetchNextPage()} busy={more.isFetchingNextPage} busyLabel={moreBusyLabel}>
            {moreLabel}
          </Button>
        </p>
      ) : null}
    </>
  );
}
