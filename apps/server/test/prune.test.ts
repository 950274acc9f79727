/**
 * The prune the server runs every hour, and `pnpm db:prune` as a process
 * (src/commands/prune.ts through tsx), on a fresh database of the project's
 * dialect. What a prune deletes is tested in packages/api/test/session-bounds.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger.js';
import { PRUNE_INTERVAL_MS, startPruneSchedule } from '../src/prune-schedule.js';
import { spawnScript } from './server-process.js';

let db: TestDatabase;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const em = db.orm.em.fork();
  const user = repositoriesOf(em).users.add({ username: 'pruned_user', passwordHash: '$2b$04$'.padEnd(60, 'x') });
  await em.flush();
  userId = user.id;
});
afterAll(async () => {
  await db?.destroy();
});
afterEach(() => {
  vi.useRealTimers();
});

const sessions = () => repositoriesOf(db.orm.em.fork()).sessions;

/** A session whose refresh token expired an hour ago, revoked or not; its id. */
async function addExpiredSession(): Promise<string> {
  const id = randomUUID();
  const hourAgo = new Date(Date.now() - 3_600_000);
  await sessions().insert({
    id,
    user: userId,
    refreshTokenId: randomUUID(),
    previousRefreshTokenId: null,
    rotatedAt: null,
    expiresAt: hourAgo,
    createdAt: hourAgo,
    lastUsedAt: hourAgo,
    revokedAt: hourAgo,
    revokedReason: 'logout',
  });
  return id;
}

const isStored = async (id: string) => (await sessions().count({ id })) === 1;

const auditEvents = () => repositoriesOf(db.orm.em.fork()).auditEvents;

/** An audit row of `at`; its type, unique, to find it by. */
async function addAuditEvent(at: Date): Promise<string> {
  const type = `test.${randomUUID().slice(0, 8)}`;
  await auditEvents().append([
    { at, type, userId, actorId: userId, clientAddress: null, userAgent: null, requestId: null, details: '{}' },
  ]);
  return type;
}

const isAuditStored = async (type: string) => (await auditEvents().count({ type })) === 1;

describe('the hourly prune', () => {
  it('prunes when the server starts and then every hour, and stops on shutdown', async () => {
    // A prune is over when it logs (its sessions go first, its other deletes after): a tick
    // that comes while one is still running is skipped, so each waits for the last to end.
    let prunes = 0;
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        if (String(chunk).includes('pruned expired sessions')) prunes += 1;
        callback();
      },
    });
    const logger = createLogger({ level: 'debug', isPretty: false, destination });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const first = await addExpiredSession();
    const schedule = startPruneSchedule({ orm: db.orm, logger });
    await vi.waitFor(async () => expect(await isStored(first)).toBe(false));
    await vi.waitFor(() => expect(prunes).toBe(1));

    const second = await addExpiredSession();
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS);
    await vi.waitFor(async () => expect(await isStored(second)).toBe(false));

    await schedule.stop();
    const third = await addExpiredSession();
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS * 2);
    await schedule.stop();
    expect(await isStored(third)).toBe(true);
    await sessions().nativeDelete({ id: third });
  });

  it('deletes the audit events older than the retention, by its clock, and keeps the rest', async () => {
    const logger = createLogger({ level: 'silent', isPretty: false });
    const now = new Date('2030-01-01T00:00:00Z');
    const dayMs = 86_400_000;
    const old = await addAuditEvent(new Date(now.getTime() - 31 * dayMs));
    const recent = await addAuditEvent(new Date(now.getTime() - 29 * dayMs));
    const schedule = startPruneSchedule({ orm: db.orm, logger, now: () => now, auditRetentionMs: 30 * dayMs });
    await schedule.stop();
    expect(await isAuditStored(old)).toBe(false);
    expect(await isAuditStored(recent)).toBe(true);
  });

  it('logs a failed prune as a warning and keeps the schedule', async () => {
    const lines: { msg: string }[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)) as { msg: string });
        callback();
      },
    });
    const logger = createLogger({ level: 'info', isPretty: false, destination });
    const failing = {
      em: {
        fork: () => {
          throw new Error('database unreachable');
        },
      },
    } as unknown as Parameters<typeof startPruneSchedule>[0]['orm'];
    const schedule = startPruneSchedule({ orm: failing, logger });
    await schedule.stop();
    expect(lines.map((line) => line.msg)).toContain('prune failed; trying again at the next interval');
  });
});

describe('pnpm db:prune', () => {
  it('deletes the expired sessions and says how many', async () => {
    const expired = await addExpiredSession();
    const proc = spawnScript('src/commands/prune.ts', { NODE_ENV: 'development', DATABASE_URL: db.url });
    const { code } = await proc.exited;
    expect({ code, stderr: proc.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(proc.stdout()).toMatch(
      /Deleted 1 expired sessions, 0 spent or expired one-time tokens, 0 spent or expired sign-in tickets, 0 expired passkey challenges, 0 second-factor challenges and 0 audit events past AUDIT_RETENTION/,
    );
    expect(await isStored(expired)).toBe(false);
  }, 60_000);

  it('deletes the audit events past AUDIT_RETENTION', async () => {
    const old = await addAuditEvent(new Date(Date.now() - 3 * 86_400_000));
    const recent = await addAuditEvent(new Date(Date.now() - 86_400_000));
    const proc = spawnScript('src/commands/prune.ts', {
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      AUDIT_RETENTION: '2d',
    });
    const { code } = await proc.exited;
    expect({ code, stderr: proc.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(proc.stdout()).toMatch(/1 audit events past AUDIT_RETENTION/);
    expect(await isAuditStored(old)).toBe(false);
    expect(await isAuditStored(recent)).toBe(true);
  }, 60_000);
});
