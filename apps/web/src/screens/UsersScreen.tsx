import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useSession, useTRPC } from '../api-context.js';
import { Badge } from '../components/Badge.js';
import { Button } from '../components/Button.js';
import { Callout } from '../components/Callout.js';
import { Card } from '../components/Card.js';
import { PageScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import './UsersScreen.css';

/** Users per page (the server's default too). */
export const PAGE_SIZE = 20;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function UsersScreen() {
  const trpc = useTRPC();
  const session = useSession();
  const users = useInfiniteQuery(
    trpc.user.list.infiniteQueryOptions(
      { limit: PAGE_SIZE },
      // The cursor goes in as `cursor`; null means there is no next page.
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = users.data?.pages.flatMap((page) => page.items) ?? [];

  // "Load more" moves the keyboard to the first new user, so reading goes on
  // where the new page starts (the button may be gone after the last page).
  const listRef = useRef<HTMLOListElement>(null);
  const focusIndex = useRef<number | null>(null);
  useEffect(() => {
    const index = focusIndex.current;
    if (index === null || index >= items.length) return;
    focusIndex.current = null;
    const item = listRef.current?.children.item(index);
    if (item instanceof HTMLElement) item.focus();
  }, [items.length]);

  function loadMore() {
    focusIndex.current = items.length;
    void users.fetchNextPage();
  }

  return (
    <PageScreen
      titleId="users-title"
      title="Users"
      description="Everyone with an account, oldest first."
      busy={users.isPending}
    >
      {users.isPending ? (
        <Card>
          <p role="status" className="muted">
            Loading users…
          </p>
        </Card>
      ) : users.isError && items.length === 0 ? (
        <Card>
          <div role="alert" className="stack">
            <p>Could not load the users. {describeError(users.error, {}).message}</p>
            <p>
              <Button onClick={() => void users.refetch()}>Try again</Button>
            </p>
          </div>
        </Card>
      ) : items.length === 0 ? (
        <Card>
          <p>No users yet.</p>
        </Card>
      ) : (
        <Card className="card-list">
          <ol ref={listRef} className="users">
            {items.map((user) => (
              <li key={user.id} tabIndex={-1}>
                {/* Initials to scan the list by; the name beside them is what is read out. */}
                <span className="avatar" aria-hidden="true">
                  {user.username.slice(0, 1)}
                </span>
                <span className="user-name">
                  <span className="username">{user.username}</span>
                  {user.id === session?.user.id ? <strong> (you)</strong> : null}
                  {user.role === 'admin' ? <Badge tone="accent">admin</Badge> : null}
                </span>{' '}
                <span className="joined">
                  joined <time dateTime={user.createdAt}>{dateFormat.format(new Date(user.createdAt))}</time>
                </span>
              </li>
            ))}
          </ol>
          <div className="list-footer">
            <p role="status" className="count">
              {users.hasNextPage ? `Showing the first ${items.length} users.` : `All ${items.length} users are shown.`}
            </p>
            {users.hasNextPage ? (
              <Button onClick={loadMore} busy={users.isFetchingNextPage} busyLabel="Loading more users…">
                Load more
              </Button>
            ) : null}
          </div>
          {users.isFetchNextPageError ? (
            <div className="list-footer">
              <Callout tone="error" role="alert">
                Could not load more users. {describeError(users.error, {}).message}
              </Callout>
            </div>
          ) : null}
        </Card>
      )}
    </PageScreen>
  );
}
