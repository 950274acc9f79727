import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, removeSqliteFile, type TestDatabase, testDialect } from '@repo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from './helpers.js';
import { freePort, type Spawned, spawnScript, spawnServer, waitForOk } from './server-process.js';

/** Polls until `check` holds, or fails with `what` after `attempts` tries. */
async function waitUntil(check: () => boolean, what: string, attempts = 300): Promise<void> {
  for (let i = 0; i < attempts && !check(); i++) await sleep(50);
  if (!check()) throw new Error(`gave up waiting for ${what}`);
}

/** Everything the socket receives, as text, as it arrives. */
function received(socket: Socket): { text: () => string; ended: Promise<void> } {
  let text = '';
  socket.on('data', (chunk) => {
    text += String(chunk);
  });
  const ended = new Promise<void>((resolveEnd) => socket.once('close', () => resolveEnd()));
  return { text: () => text, ended };
}

interface AcceptedRequest {
  /** Sends the body the headers announced. */
  sendBody(): void;
  /** Everything received until the server closed the connection. */
  answer: Promise<string>;
}

/**
 * A registration on its own connection, in flight: its headers are sent and
 * the server has accepted it (answered `100 Continue`); its body is not sent yet.
 */
async function acceptedRegistration(port: number): Promise<AcceptedRequest> {
  const body = JSON.stringify({ username: uniqueName('inflight'), password: PASSWORD });
  const socket = connect(port, '127.0.0.1');
  const response = received(socket);
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
  await waitUntil(() => response.text().includes('100 Continue'), 'the server to accept the request');
  return { sendBody: () => socket.write(body), answer: response.ended.then(() => response.text()) };
}

/** Whether a new TCP connection to the port is accepted or refused. */
function connectOutcome(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolveOutcome, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveOutcome('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolveOutcome('refused');
      else reject(error);
    });
  });
}

const running: Spawned[] = [];
afterAll(() => {
  for (const proc of running) if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill();
});

describe('starting in production without JWT secrets', () => {
  it('exits with code 1 and names both variables on stderr', async () => {
    const proc = spawnServer({
      NODE_ENV: 'production',
      // Empty counts as unset, and keeps a personal .env.local from filling them in.
      JWT_ACCESS_SECRET: '',
      JWT_REFRESH_SECRET: '',
      BCRYPT_COST: '12',
      DATABASE_URL: `sqlite:${join(tmpdir(), 'never-created.sqlite')}`,
    });
    running.push(proc);
    const { code } = await proc.exited;
    expect(code).toBe(1);
    expect(proc.stderr()).toContain('JWT_ACCESS_SECRET');
    expect(proc.stderr()).toContain('JWT_REFRESH_SECRET');
    expect(proc.stdout()).not.toMatch(/Server ready/);
  }, 30_000);
});

describe('starting on a port that is in use', () => {
  it('exits with code 1 and one line that names the port and PORT, no stack', async () => {
    const holder = createServer();
    const port = await freePort();
    await new Promise<void>((resolveListen) => holder.listen(port, '127.0.0.1', resolveListen));
    try {
      const file = join(tmpdir(), `busy-port-${randomBytes(6).toString('hex')}.sqlite`);
      const proc = spawnServer(
        {
          NODE_ENV: 'production',
          JWT_ACCESS_SECRET: 'busy-port-access-secret-of-32-bytes-plus',
          JWT_REFRESH_SECRET: 'busy-port-refresh-secret-of-32-bytes-plus',
          MFA_ENCRYPTION_KEY: 'bWZhLXRlc3Qta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXM',
          BCRYPT_COST: '10',
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: `sqlite:${file}`,
        },
        ['--migrate'],
      );
      running.push(proc);
      const { code } = await proc.exited;
      removeSqliteFile(file);
      expect(code).toBe(1);
      const fatal = proc
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      const { msg, err } = JSON.parse(fatal[0] ?? '{}') as { msg?: string; err?: unknown };
      expect(msg).toBe(`port ${port} on 127.0.0.1 is in use: stop what holds it, or set PORT to another port`);
      expect(err).toBeUndefined();
      expect(proc.stdout() + proc.stderr()).not.toContain('EADDRINUSE');
    } finally {
      await new Promise<void>((resolveClose) => holder.close(() => resolveClose()));
    }
  }, 30_000);
});

describe('`pnpm dev` on a port that is in use', () => {
  it('runs the port check before the watcher, which exits 1 with the same one line', async () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
      scripts: { dev: string };
    };
    // Without the check first, the watcher would outlive the server (and Vite would keep running).
    expect(manifest.scripts.dev).toMatch(/^tsx --conditions=source src\/commands\/check-port\.ts && tsx watch /);
    const holder = createServer();
    const port = await freePort();
    await new Promise<void>((resolveListen) => holder.listen(port, '127.0.0.1', resolveListen));
    try {
      const check = spawnScript('src/commands/check-port.ts', { HOST: '127.0.0.1', PORT: String(port) });
      const { code } = await check.exited;
      expect(code).toBe(1);
      expect(check.stderr().trim().split('\n')).toEqual([
        `port ${port} on 127.0.0.1 is in use: stop what holds it, or set PORT to another port`,
      ]);
    } finally {
      await new Promise<void>((resolveClose) => holder.close(() => resolveClose()));
    }
    // Free again: the check passes and leaves the port free for the server.
    const free = spawnScript('src/commands/check-port.ts', { HOST: '127.0.0.1', PORT: String(port) });
    expect((await free.exited).code).toBe(0);
    expect(await connectOutcome(port)).toBe('refused');
  }, 60_000);
});

describe('the running process', () => {
  let databaseUrl: string;
  let cleanup: () => Promise<void>;
  let db: TestDatabase | undefined;

  beforeAll(async () => {
    if (testDialect() === 'mysql') {
      // An already migrated MySQL database: --migrate finds nothing to do.
      db = await createTestDatabase();
      databaseUrl = db.url;
      cleanup = () => db?.destroy() ?? Promise.resolve();
    } else {
      // A file that does not exist yet: --migrate creates the schema.
      const file = join(tmpdir(), `server-process-${randomBytes(6).toString('hex')}.sqlite`);
      databaseUrl = `sqlite:${file}`;
      cleanup = async () => {
        removeSqliteFile(file);
      };
    }
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('migrates with --migrate, serves requests, and on SIGTERM finishes every request in flight, refuses new connections, then exits 0', async () => {
    const port = await freePort();
    const proc = spawnServer(
      {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        DATABASE_URL: databaseUrl,
        JWT_ACCESS_SECRET: 'process-test-access-secret-of-32-bytes-plus',
        JWT_REFRESH_SECRET: 'process-test-refresh-secret-of-32-bytes-plus',
        MFA_ENCRYPTION_KEY: 'bWZhLXRlc3Qta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXM',
        // Slow on purpose: each registration hashes at cost 12, so the requests
        // below are still working when SIGTERM arrives.
        BCRYPT_COST: '12',
        // Far longer than the requests take: a clean drain exits 0, a forced one 1.
        SHUTDOWN_TIMEOUT_MS: '30000',
      },
      ['--migrate'],
    );
    running.push(proc);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/healthz`, proc);

    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const registered = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: uniqueName('proc'), password: PASSWORD }),
    });
    expect(registered.status).toBe(200);
    expect(proc.stdout()).toMatch(testDialect() === 'mysql' ? /schema up to date/ : /migrations applied/);

    // Requests the server has accepted (it answered 100 Continue to their headers):
    // some send their body now and are hashing when SIGTERM comes, the others
    // send it only after SIGTERM.
    const hashing = await Promise.all(Array.from({ length: 3 }, () => acceptedRegistration(port)));
    for (const request of hashing) request.sendBody();
    const waiting = await Promise.all(Array.from({ length: 3 }, () => acceptedRegistration(port)));

    proc.child.kill('SIGTERM');
    await waitUntil(() => proc.stdout().includes('shutting down'), 'the shutdown to start');
    // A new connection is refused once shutting down...
    expect(await connectOutcome(port)).toBe('refused');
    // ...while every request in flight completes.
    for (const request of waiting) request.sendBody();
    const answers = await Promise.all([...hashing, ...waiting].map((request) => request.answer));
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
      expect(answer).toContain('"accessToken"');
    }

    const exit = await proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(proc.stdout()).toMatch(/"msg":"stopped"/);
    expect(proc.stdout()).not.toMatch(/forcing exit/);
    expect(proc.stderr()).toBe('');
  }, 60_000);
});
