import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../api-context.js';
import { AuditEventList } from '../components/AuditEventList.js';
import { Button } from '../components/Button.js';
import { Card, CardHeader } from '../components/Card.js';
import { Field } from '../components/Field.js';
import { PageScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';

const PAGE_SIZE = 20;

/** Admins only: every security event, newest first, filtered by type or user. */
export function AuditScreen() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<{ type?: string; userId?: string }>({});
  const events = useInfiniteQuery(
    trpc.admin.auditEvents.infiniteQueryOptions(
      { limit: PAGE_SIZE, ...filter },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];

  function applyFilter(form: FormData) {
    const type = String(form.get('type') ?? '').trim();
    const userId = String(form.get('userId') ?? '').trim();
    setFilter({ ...(type ? { type } : {}), ...(userId ? { userId } : {}) });
  }

  return (
    <PageScreen
      titleId="audit-title"
      title="Audit"
      description="Every security event, newest first."
      busy={events.isPending}
    >
      <Card>
        <CardHeader titleId="audit-filter-title" title="Filter" />
        <form
          className="stack"
          aria-labelledby="audit-filter-title"
          onSubmit={(event) => {
            event.preventDefault();
            applyFilter(new FormData(event.currentTarget));
          }}
        >
          <Field
            id="audit-type"
            label="Event type"
            name="type"
            autoComplete="off"
            hint="For example login.failed"
            isOptional
          />
          <Field id="audit-user" label="User id" name="userId" autoComplete="off" isOptional />
          <p>
            <Button type="submit">Apply</Button>
          </p>
        </form>
      </Card>
      <Card>
        <CardHeader titleId="audit-events-title" title="Events" />
        {events.isPending ? (
          <p role="status" className="muted">
            Loading events…
          </p>
        ) : events.isError && items.length === 0 ? (
          <p role="alert">Could not load the events. {describeError(events.error, {}).message}</p>
        ) : items.length === 0 ? (
          <p className="muted">No events match.</p>
        ) : (
          <AuditEventList
            events={items}
            labelledBy="audit-events-title"
            showUsers
            more={events}
            moreLabel="Load more"
            moreBusyLabel="Loading more events…"
          />
        )}
      </Card>
    </PageScreen>
  );
}
