import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // Workspace packages (@repo/client) are bundled from their TypeScript
  // sources, as everywhere else in the workspace: no build needed for `pnpm dev`.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // 5173 is the origin the server's development CORS default allows: never
  // drift to another port silently.
  server: { port: 5173, strictPort: true },
  preview: { port: 4173, strictPort: true },
});
