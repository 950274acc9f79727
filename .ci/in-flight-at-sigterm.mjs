// node .ci/in-flight-at-sigterm.mjs PORT PID: a registration the server has
// accepted (it answered `100 Continue`) when PID gets a SIGTERM must still be
// answered 200: the signal reaches the server, which drains instead of dying.
// Exits 0 when it was, 1 otherwise.
import { connect } from 'node:net';

const [port, pid] = process.argv.slice(2).map(Number);
const body = JSON.stringify({ username: `drain_${Date.now().toString(36)}`, password: 'a long passphrase' });
const socket = connect(port, '127.0.0.1');
let received = '';
let isSignalled = false;
socket.on('data', (chunk) => {
  received += String(chunk);
  if (!isSignalled && received.includes('100 Continue')) {
    isSignalled = true;
    process.kill(pid, 'SIGTERM');
    // The body follows once the server is draining.
    setTimeout(() => socket.write(body), 500);
  }
});
socket.on('error', () => undefined);
socket.on('close', () => {
  const statuses = [...received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => match[1]);
  const last = statuses.at(-1);
  console.log(`in flight at SIGTERM: ${isSignalled ? `answered ${last ?? 'nothing'}` : 'never accepted'}`);
  process.exit(isSignalled && last === '200' ? 0 : 1);
});
socket.write(
  [
    'POST /api/auth/register HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Expect: 100-continue',
    'Connection: close',
    '',
    '',
  ].join('\r\n'),
);
