import { createServer } from 'node:net';
import { busyPortMessage, loadConfigOrExit } from '../config.js';

// `pnpm dev` runs this before `tsx watch`. A server that cannot listen exits,
// but the watcher would wait for a file change and Vite would keep running
// beside it; a busy port ends `pnpm dev` here instead, with the server's one line.
const config = loadConfigOrExit();
const probe = createServer();
probe.once('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(
    `${error.code === 'EADDRINUSE' ? busyPortMessage(config) : `cannot listen on ${config.host}:${config.port}: ${error.message}`}\n`,
  );
  process.exit(1);
});
probe.listen(config.port, config.host, () => probe.close());
