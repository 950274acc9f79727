import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useSession, useTRPC } from '../api-context.js';
import { describeError } from '../error-messages.js';

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
    <section aria-labelledby="users-title" aria-busy={users.isPending}>
      <h1 id="users-title" tabIndex={-1}>
        Users
      </h1>
      {users.isPending ? (
        <p role="status">Loading users…</p>
      ) : users.isError && items.length === 0 ? (
        <div role="alert">
          <p>Could not load the users. {describeError(users.error, {}).message}</p>
          <button type="button" onClick={() => void users.refetch()}>
            Try again
          </button>
        </div>
      ) : items.length === 0 ? (
        <p>No users yet.</p>
      ) : (
        <>
          <ol ref={listRef} className="users">
            {items.map((user) => (
              <li key={user.id} tabIndex={-1}>
                <span className="username">{user.username}</span>
                {user.id === session?.user.id ? <strong> (you)</strong> : null}
                {user.role === 'admin' ? <span className="badge">admin</span> : null}{' '}
                <span className="joined">
                  joined <time dateTime={user.createdAt}>{dateFormat.format(new Date(user.createdAt))}</time>
                </span>
              </li>
            ))}
          </ol>
          <p role="status" className="count">
            {users.hasNextPage ? `Showing the first ${items.length} users.` : `All ${items.length} users are shown.`}
          </p>
          {users.isFetchNextPageError ? (
            <p role="alert" className="form-error">
              Could not load more users. {describeError(users.error, {}).message}
            </p>
          ) : null}
          {users.hasNextPage ? (
            <button type="button" onClick={loadMore} disabled={users.isFetchingNextPage}>
              {users.isFetchingNextPage ? 'Loading more users…' : 'Load more'}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}
