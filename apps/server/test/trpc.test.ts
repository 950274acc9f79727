import type { AppRouter } from '@repo/api';
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_SIZE } from '../src/app.js';
import { PASSWORD, signedIn, uniqueName, useTestServer } from './helpers.js';

const ctx = useTestServer();

/** The tRPC error code and HTTP status a call failed with. */
async function failureOf(
  call: Promise<unknown>,
): Promise<{ code: string | undefined; httpStatus: number | undefined; message: string }> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const { data, message } = error as TRPCClientError<AppRouter>;
  return { code: data?.code, httpStatus: data?.httpStatus, message };
}

const signUp = (username = uniqueName('t')) => ctx.server.trpc().auth.register.mutate({ username, password: PASSWORD });

describe('tRPC procedures through the real client', () => {
  it('auth.register creates an account and returns a token pair', async () => {
    const username = uniqueName('TReg');
    const pair = await ctx.server.trpc().auth.register.mutate({ username, password: PASSWORD });
    expect(pair).toMatchObject({ tokenType: 'Bearer', user: { username, role: 'user' } });
    expect(pair.accessToken).toEqual(expect.any(String));
    expect(pair.refreshToken).toEqual(expect.any(String));
    expect(pair.expiresAt).toBeGreaterThan(Date.now());
    expect(await ctx.server.trpc(pair.accessToken).user.me.query()).toEqual({
      ...pair.user,
      email: null,
      emailVerified: false,
      pendingEmail: null,
    });
  });

  it('auth.login signs in and starts a new session', async () => {
    const username = uniqueName('t');
    const registered = await signUp(username);
    const pair = signedIn(await ctx.server.trpc().auth.login.mutate({ username, password: PASSWORD }));
    expect(pair.user).toEqual(registered.user);
    expect(pair.refreshToken).not.toBe(registered.refreshToken);
  });

  it('auth.refresh returns a new pair and retires the old refresh token', async () => {
    const first = await signUp();
    const second = await ctx.server.trpc().auth.refresh.mutate({ refreshToken: first.refreshToken });
    expect(second.user).toEqual(first.user);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await ctx.server.trpc(second.accessToken).user.me.query()).toMatchObject(first.user);

    const reuse = await failureOf(ctx.server.trpc().auth.refresh.mutate({ refreshToken: first.refreshToken }));
    expect(reuse).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    // Reuse revoked the whole session.
    expect(await failureOf(ctx.server.trpc(second.accessToken).user.me.query())).toMatchObject({ httpStatus: 401 });
  });

  it('auth.logout ends only the current session', async () => {
    const username = uniqueName('t');
    const ended = await signUp(username);
    const other = signedIn(await ctx.server.trpc().auth.login.mutate({ username, password: PASSWORD }));
    expect(await ctx.server.trpc(ended.accessToken).auth.logout.mutate()).toEqual({ success: true });
    expect(await failureOf(ctx.server.trpc(ended.accessToken).user.me.query())).toMatchObject({ httpStatus: 401 });
    expect(await failureOf(ctx.server.trpc().auth.refresh.mutate({ refreshToken: ended.refreshToken }))).toMatchObject({
      httpStatus: 401,
    });
    expect((await ctx.server.trpc(other.accessToken).user.me.query()).id).toBe(ended.user.id);
  });

  it('auth.logoutAll ends every session of the user', async () => {
    const username = uniqueName('t');
    const a = await signUp(username);
    const b = signedIn(await ctx.server.trpc().auth.login.mutate({ username, password: PASSWORD }));
    expect(await ctx.server.trpc(a.accessToken).auth.logoutAll.mutate()).toEqual({ revokedSessions: 2 });
    for (const pair of [a, b]) {
      expect(await failureOf(ctx.server.trpc(pair.accessToken).user.me.query())).toMatchObject({ httpStatus: 401 });
    }
  });

  it('user.me returns the signed-in user', async () => {
    const pair = await signUp();
    expect(await ctx.server.trpc(pair.accessToken).user.me.query()).toEqual({
      ...pair.user,
      email: null,
      emailVerified: false,
      pendingEmail: null,
    });
  });

  it('user.list pages through users with a cursor', async () => {
    const pair = await signUp();
    await signUp();
    await signUp();
    const client = ctx.server.trpc(pair.accessToken);
    const first = await client.user.list.query({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.user.list.query({ limit: 2, cursor: first.nextCursor ?? undefined });
    const firstIds = first.items.map((u) => u.id);
    for (const user of second.items) expect(firstIds).not.toContain(user.id);
    const all = await client.user.list.query({ limit: 100 });
    expect(all.nextCursor).toBeNull();
    expect(all.items.slice(0, 2 + second.items.length).map((u) => u.id)).toEqual([
      ...firstIds,
      ...second.items.map((u) => u.id),
    ]);
    expect(all.items.map((u) => u.id)).toContain(pair.user.id);
  });

  it('user.byId returns that user, and NOT_FOUND (404) for an unknown id', async () => {
    const other = await signUp();
    const pair = await signUp();
    const client = ctx.server.trpc(pair.accessToken);
    expect(await client.user.byId.query({ id: other.user.id })).toEqual(other.user);
    const missing = await failureOf(client.user.byId.query({ id: '00000000-0000-7000-8000-000000000000' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
  });

  it('user.changePassword changes the password and ends the other sessions only', async () => {
    const username = uniqueName('t');
    const current = await signUp(username);
    const other = signedIn(await ctx.server.trpc().auth.login.mutate({ username, password: PASSWORD }));
    const newPassword = 'fresh passphrase 42';
    const result = await ctx.server
      .trpc(current.accessToken)
      .user.changePassword.mutate({ currentPassword: PASSWORD, newPassword });
    expect(result).toEqual({ revokedSessions: 1 });
    expect((await ctx.server.trpc(current.accessToken).user.me.query()).id).toBe(current.user.id);
    expect(await failureOf(ctx.server.trpc(other.accessToken).user.me.query())).toMatchObject({ httpStatus: 401 });
    signedIn(await ctx.server.trpc().auth.login.mutate({ username, password: newPassword }));
  });
});

describe('tRPC errors', () => {
  it('invalid input is BAD_REQUEST (400) with a message naming the field', async () => {
    const failure = await failureOf(ctx.server.trpc().auth.register.mutate({ username: 'ab', password: PASSWORD }));
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    expect(failure.message).toMatch(/^username: /);
  });

  it('a missing token is UNAUTHORIZED (401)', async () => {
    expect(await failureOf(ctx.server.trpc().user.me.query())).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });

  it('bad credentials are UNAUTHORIZED (401)', async () => {
    const username = uniqueName('t');
    await signUp(username);
    const failure = await failureOf(ctx.server.trpc().auth.login.mutate({ username, password: 'wrong password!' }));
    expect(failure).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });

  it('a taken username, in any case, is CONFLICT (409)', async () => {
    const username = uniqueName('Taken');
    await signUp(username);
    const failure = await failureOf(
      ctx.server.trpc().auth.register.mutate({ username: username.toLowerCase(), password: PASSWORD }),
    );
    expect(failure).toMatchObject({ code: 'CONFLICT', httpStatus: 409 });
    expect(failure.message).toMatch(/^username: /);
  });
});

describe('tRPC batching', () => {
  it(`runs a batch of ${MAX_BATCH_SIZE} calls in one HTTP request`, async () => {
    const pair = await signUp();
    const requests: string[] = [];
    const client = ctx.server.trpc(pair.accessToken, (url) => requests.push(url));
    const results = await Promise.all(Array.from({ length: MAX_BATCH_SIZE }, () => client.user.me.query()));
    expect(results).toHaveLength(MAX_BATCH_SIZE);
    for (const user of results) expect(user).toMatchObject(pair.user);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toContain('batch=1');
  });

  it(`refuses a batch of more than ${MAX_BATCH_SIZE} calls with a 4xx`, async () => {
    const pair = await signUp();
    const requests: string[] = [];
    const client = ctx.server.trpc(pair.accessToken, (url) => requests.push(url));
    const results = await Promise.allSettled(Array.from({ length: MAX_BATCH_SIZE + 1 }, () => client.user.me.query()));
    expect(requests).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(TRPCClientError);
      const status = (error as TRPCClientError<AppRouter>).data?.httpStatus;
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }

    // The same over plain HTTP: one request of MAX_BATCH_SIZE + 1 calls.
    const paths = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'user.me').join(',');
    const res = await fetch(`${ctx.server.baseUrl}/trpc/${paths}?batch=1&input=${encodeURIComponent('{}')}`, {
      headers: { authorization: `Bearer ${pair.accessToken}` },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.text()).not.toContain(pair.user.id);
  });
});
