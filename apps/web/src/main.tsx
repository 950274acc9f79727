import { createApiClient, localStorageSessionStore } from '@repo/client';
import { QueryClient } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { AppProviders } from './api-context.js';
import { isFinalError } from './error-messages.js';
import { createNoticeBoard } from './notices.js';
import './styles.css';

const API_URL = import.meta.env.VITE_API_URL || 'http://127.0.0.1:3000';
/** The client's localStorage key (its default), watched for other tabs' sign-ins and sign-outs. */
const SESSION_KEY = 'repo-client.session';

const notices = createNoticeBoard();

// The one place tokens live: the client keeps them in localStorage (so a
// reload stays signed in), renews them before they expire and tells us when
// the session has ended; the app only ever sees the session's user.
const api = createApiClient({
  url: API_URL,
  storage: localStorageSessionStore({ key: SESSION_KEY }),
  onSessionExpired: () =>
    notices.show({
      tone: 'error',
      text: 'Your session has ended: you were signed out elsewhere, or it expired. Please sign in again.',
    }),
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx or an ended session will not change on a retry; the network may.
      retry: (failures, error) => failures < 2 && !isFinalError(error),
    },
  },
});

// Another tab signed in or out: follow it now rather than at the next call.
window.addEventListener('storage', (event) => {
  if (event.key === SESSION_KEY) void api.session.load();
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <AppProviders api={api} notices={notices} queryClient={queryClient}>
      <App />
    </AppProviders>
  </StrictMode>,
);
