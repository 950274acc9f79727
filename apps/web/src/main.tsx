import { createApiClient } from '@repo/client';
import { QueryClient } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// The tokens and element defaults first: every component's own CSS builds on them.
import './styles/tokens.css';
import './styles/base.css';
import { App } from './App.js';
import { AppProviders } from './api-context.js';
import { API_URL } from './api-url.js';
import { isFinalError } from './error-messages.js';
import { createNoticeBoard } from './notices.js';

const notices = createNoticeBoard();

// Cookie mode: the refresh token lives in an HttpOnly cookie no script of
// this page can read, the short-lived access token in the client's memory.
// The client resumes the session by cookie when the page loads (so a reload
// stays signed in), renews the access token before it expires, keeps the
// tabs in step and tells us when the session has ended; the app only ever
// sees the session's user.
const api = createApiClient({
  url: API_URL,
  session: 'cookie',
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

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
const app = (
  <StrictMode>
    <AppProviders api={api} notices={notices} queryClient={queryClient}>
      <App />
    </AppProviders>
  </StrictMode>
);
// Rendered once the session is known, so a signed-in reload never flashes the sign-in screen.
void api.session.load().finally(() => createRoot(root).render(app));
