import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

/**
 * The API on the app's own origin, as the reverse proxy serves both in
 * production: the browser sees one origin (and one site), so the session
 * cookie is first-party. The Host header is kept (no changeOrigin): the
 * server takes the page's origin for its own.
 */
const API_SERVER = 'http://127.0.0.1:3000';
const API_PROXY = { '/trpc': API_SERVER, '/api': API_SERVER };

export default defineConfig({
  plugins: [react()],
  // Workspace packages (@repo/client) are bundled from their TypeScript
  // sources, as everywhere else in the workspace: no build needed for `pnpm dev`.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // 5173 is the origin the server's development CORS default allows: never
  // drift to another port silently.
  server: { port: 5173, strictPort: true, proxy: API_PROXY },
  preview: { port: 4173, strictPort: true, proxy: API_PROXY },
});
