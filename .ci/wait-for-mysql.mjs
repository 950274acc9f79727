// Waits until the MySQL server of a mysql:// URL accepts TCP connections.
// Usage: node .ci/wait-for-mysql.mjs <url> <seconds>
import net from 'node:net';

const [url = 'mysql://127.0.0.1:3306/test', seconds = '30'] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const deadline = Date.now() + Number(seconds) * 1000;

function tryOnce() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 3306) });
    socket.setTimeout(1000);
    // The server speaks first: a greeting means it is really accepting clients.
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    for (const event of ['error', 'timeout', 'close']) socket.once(event, () => resolve(false));
  });
}

while (Date.now() < deadline) {
  if (await tryOnce()) process.exit(0);
  await new Promise((r) => setTimeout(r, 500));
}
console.error(`MySQL at ${hostname}:${port || 3306} is not reachable`);
process.exit(1);
