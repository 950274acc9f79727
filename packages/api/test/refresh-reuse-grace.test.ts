/**
 * Refresh reuse grace through the procedures, on a clock the tests move:
 * what the session row remembers of its last rotation, and the events. The
 * races over HTTP on two instances are in apps/server/test/refresh-reuse-grace.test.ts.
 */
import { repositoriesOf } from '@repo/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../src/services/security-events.js';
import { createHarness, type Harness, refreshTokenOf, rejection, signUp } from './helpers.js';

const GRACE_MS = 10_000;
const events: SecurityEvent[] = [];
let clockMs = Date.now();
const now = () => new Date(clockMs);
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ now, config: { refreshReuseGraceMs: GRACE_MS }, events: (event) => events.push(event) });
});
afterAll(async () => {
  await h?.db.destroy();
});

describe('refresh reuse grace', () => {
  it('remembers the retired token and when it was rotated, and answers it with the current refresh token', async () => {
    const first = await signUp(h);
    clockMs += 1500;
    const rotated = await h.caller().auth.refresh({ refreshToken: refreshTokenOf(first) });
    const row = await repositoriesOf(h.db.orm.em.fork()).sessions.findOneOrFail({ user: first.user.id });
    expect(row.rotatedAt?.getTime()).toBe(clockMs);
    expect(row.previousRefreshTokenId).not.toBeNull();
    expect(row.previousRefreshTokenId).not.toBe(row.refreshTokenId);

    clockMs += GRACE_MS - 1;
    const replayed = await h.caller().auth.refresh({ refreshToken: refreshTokenOf(first) });
    expect(replayed.refreshToken).toBe(rotated.refreshToken);
    expect(replayed.refreshExpiresAt).toBe(rotated.refreshExpiresAt);
    expect(replayed.accessToken).not.toBe(rotated.accessToken);
    expect((await h.caller(replayed.accessToken).user.me()).id).toBe(first.user.id);
    expect(events.filter((event) => event.type === 'refresh.reuse_within_grace')).toHaveLength(1);
    // The current token rotates as usual.
    clockMs += 1;
    const next = await h.caller().auth.refresh({ refreshToken: refreshTokenOf(rotated) });
    expect(next.refreshToken).not.toBe(rotated.refreshToken);
  });

  it('revokes the session when the retired token comes back once the grace has passed', async () => {
    const first = await signUp(h);
    const rotated = await h.caller().auth.refresh({ refreshToken: refreshTokenOf(first) });
    clockMs += GRACE_MS;
    const error = await rejection(h.caller().auth.refresh({ refreshToken: refreshTokenOf(first) }));
    expect(error.code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller(rotated.accessToken).user.me())).code).toBe('UNAUTHORIZED');
    const row = await repositoriesOf(h.db.orm.em.fork()).sessions.findOneOrFail({ user: first.user.id });
    expect(row.revokedReason).toBe('refresh_reuse');
    expect(events.some((event) => event.type === 'refresh.reuse_detected' && event.userId === first.user.id)).toBe(
      true,
    );
  });

  it('refuses a token older than the one just rotated, even within the grace', async () => {
    const first = await signUp(h);
    const second = await h.caller().auth.refresh({ refreshToken: refreshTokenOf(first) });
    await h.caller().auth.refresh({ refreshToken: refreshTokenOf(second) });
    expect((await rejection(h.caller().auth.refresh({ refreshToken: refreshTokenOf(first) }))).code).toBe(
      'UNAUTHORIZED',
    );
  });
});
