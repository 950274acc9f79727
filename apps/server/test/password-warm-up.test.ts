/**
 * The dummy hash that unknown-user logins compare against is made before the
 * server listens, so the first such login costs what every other one does.
 */
import { PasswordHasher } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';
import { PASSWORD } from './helpers.js';
import { freePort, type Spawned, spawnServer, waitForOk } from './server-process.js';

const started: { api?: TestApi; proc?: Spawned; db?: TestDatabase } = {};
afterAll(async () => {
  await started.api?.close();
  if (started.proc && started.proc.child.exitCode === null && started.proc.child.signalCode === null) {
    started.proc.child.kill('SIGTERM');
    await started.proc.exited;
  }
  await started.db?.destroy();
});

describe('the dummy hash for unknown users', () => {
  it('is made before the test API listens: the first unknown-user login hashes nothing', async () => {
    const hash = vi.spyOn(PasswordHasher.prototype, 'hash');
    try {
      started.api = await startTestApi();
      // The dummy hash, made while starting.
      expect(hash).toHaveBeenCalledTimes(1);
      const login = await started.api.rest('POST', '/api/auth/login', {
        body: { username: 'nobody_by_this_name', password: PASSWORD },
      });
      expect(login.status).toBe(401);
      expect(hash).toHaveBeenCalledTimes(1);
    } finally {
      hash.mockRestore();
    }
  });

  it('is made by the server process before it listens', async () => {
    started.db = await createTestDatabase();
    const port = await freePort();
    started.proc = spawnServer({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'debug',
      DATABASE_URL: started.db.url,
      JWT_ACCESS_SECRET: 'warm-up-test-access-secret-of-32-bytes',
      JWT_REFRESH_SECRET: 'warm-up-test-refresh-secret-of-32-bytes',
      MFA_ENCRYPTION_KEY: 'bWZhLXRlc3Qta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXM',
      BCRYPT_COST: '10',
    });
    await waitForOk(`http://127.0.0.1:${port}/healthz`, started.proc);
    const messages = started.proc
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    const ready = messages.findIndex((msg) => msg.startsWith('password hasher ready'));
    expect(ready).toBeGreaterThanOrEqual(0);
    expect(ready).toBeLessThan(messages.findIndex((msg) => msg.startsWith('Server ready')));
  }, 60_000);
});
