/** A message for the whole app, such as "You have signed out", shown above the current screen. */
export interface Notice {
  text: string;
  tone: 'info' | 'error';
}

export interface NoticeBoard {
  get(): Notice | null;
  show(notice: Notice): void;
  clear(): void;
  subscribe(listener: () => void): () => void;
}

/**
 * An external store rather than React state: the client's onSessionExpired
 * fires outside React, and the notice must outlive the screen that was open.
 */
export function createNoticeBoard(): NoticeBoard {
  let current: Notice | null = null;
  const listeners = new Set<() => void>();
  const set = (next: Notice | null) => {
    if (next === current) return;
    current = next;
    for (const listener of [...listeners]) listener();
  };
  return {
    get: () => current,
    show: (notice) => set(notice),
    clear: () => set(null),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
