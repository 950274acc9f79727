import type { AppRouter } from '@repo/api';
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { login, PASSWORD, register, uniqueName, useTestServer } from './helpers.js';

const ctx = useTestServer();

const FAILURES_ALLOWED = 10;
const WRONG = 'definitely wrong password';

async function failLoginsOverRest(username: string, times: number) {
  for (let i = 0; i < times; i++) {
    const res = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: WRONG } });
    expect(res.status, `failed login #${i + 1}`).toBe(401);
  }
}

function expectRetryAfter(headers: Headers) {
  const retryAfter = headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
}

describe('login throttling over REST', () => {
  it(`answers 429 with Retry-After on the attempt after ${FAILURES_ALLOWED} failures, even with the right password`, async () => {
    const username = uniqueName('victim');
    await register(ctx.server, username);
    await failLoginsOverRest(username, FAILURES_ALLOWED);

    const right = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    expect(right.status).toBe(429);
    expectRetryAfter(right.headers);
    expect(right.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.any(String) });
    expect(right.text).not.toContain('accessToken');

    const wrong = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: WRONG } });
    expect(wrong.status).toBe(429);
    expectRetryAfter(wrong.headers);
  });

  it('counts the username without regard to case', async () => {
    const username = uniqueName('Cased');
    await register(ctx.server, username);
    await failLoginsOverRest(username.toLowerCase(), FAILURES_ALLOWED / 2);
    await failLoginsOverRest(username.toUpperCase(), FAILURES_ALLOWED / 2);
    const res = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    expect(res.status).toBe(429);
  });

  it('throttles an unknown username the same way', async () => {
    const username = uniqueName('ghost');
    await failLoginsOverRest(username, FAILURES_ALLOWED);
    const res = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: WRONG } });
    expect(res.status).toBe(429);
    expectRetryAfter(res.headers);
  });

  it(`lets the right password in after ${FAILURES_ALLOWED - 1} failures, and other users are not affected`, async () => {
    const username = uniqueName('almost');
    await register(ctx.server, username);
    await failLoginsOverRest(username, FAILURES_ALLOWED - 1);
    const pair = await login(ctx.server, username);
    expect(pair.user.username).toBe(username);

    const bystander = uniqueName('bystander');
    await register(ctx.server, bystander);
    await login(ctx.server, bystander);
  });
});

describe('login throttling over tRPC', () => {
  it(`answers 429 with Retry-After on the attempt after ${FAILURES_ALLOWED} failures`, async () => {
    const username = uniqueName('tvictim');
    await register(ctx.server, username);
    const client = ctx.server.trpc();
    for (let i = 0; i < FAILURES_ALLOWED; i++) {
      const error = await client.auth.login.mutate({ username, password: WRONG }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCClientError);
      expect((error as TRPCClientError<AppRouter>).data).toMatchObject({ code: 'UNAUTHORIZED' });
    }

    const error = await client.auth.login.mutate({ username, password: PASSWORD }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });

    const res = await fetch(`${ctx.server.baseUrl}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(res.status).toBe(429);
    expectRetryAfter(res.headers);
  });
});
