import type { TokenPair } from '@repo/api';
import { SoftwareAuthenticator } from '@repo/api/testing';
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { PASSWORD, register, useTestServer } from './helpers.js';

// The test API has no APP_URL: the relying party is the web app's dev server.
const ORIGIN = 'http://localhost:5173';
const ctx = useTestServer();

describe('passkeys over REST', () => {
  /** A new account with a passkey added through REST. */
  async function withPasskey() {
    const pair = await register(ctx.server);
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const options = await ctx.server.rest<Parameters<SoftwareAuthenticator['create']>[0]>(
      'POST',
      '/api/users/me/passkeys/options',
      { token: pair.accessToken, body: { currentPassword: PASSWORD } },
    );
    expect(options.status).toBe(200);
    const added = await ctx.server.rest<{ id: string; name: string }>('POST', '/api/users/me/passkeys', {
      token: pair.accessToken,
      body: { response: authenticator.create(options.body), name: 'Laptop' },
    });
    expect(added.status).toBe(200);
    return { pair, authenticator, passkey: added.body };
  }

  async function signInChallenge() {
    const res = await ctx.server.rest<{ challengeId: string; options: { challenge: string; rpId: string } }>(
      'POST',
      '/api/auth/passkey/options',
    );
    expect(res.status).toBe(200);
    return res.body;
  }

  it('adds, lists and removes a passkey; a wrong current password is a 400 naming currentPassword', async () => {
    const { pair, passkey } = await withPasskey();
    const wrong = await ctx.server.rest<{ data: { field: string } }>('POST', '/api/users/me/passkeys/options', {
      token: pair.accessToken,
      body: { currentPassword: 'not my password' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.data.field).toBe('currentPassword');
    const listed = await ctx.server.rest('GET', '/api/users/me/passkeys', { token: pair.accessToken });
    expect(listed.body).toEqual([{ id: passkey.id, name: 'Laptop', createdAt: expect.any(String), lastUsedAt: null }]);
    const stranger = await register(ctx.server);
    const foreign = await ctx.server.rest('DELETE', `/api/users/me/passkeys/${passkey.id}`, {
      token: stranger.accessToken,
    });
    expect(foreign.status).toBe(404);
    const removed = await ctx.server.rest('DELETE', `/api/users/me/passkeys/${passkey.id}`, {
      token: pair.accessToken,
    });
    expect(removed.status).toBe(200);
    expect((await ctx.server.rest('GET', '/api/users/me/passkeys', { token: pair.accessToken })).body).toEqual([]);
  });

  it('signs in with a passkey: the token pair of a new session', async () => {
    const { pair, authenticator } = await withPasskey();
    const { challengeId, options } = await signInChallenge();
    expect(options.rpId).toBe('localhost');
    const res = await ctx.server.rest<TokenPair>('POST', '/api/auth/passkey', {
      body: { challengeId, response: authenticator.get(options) },
    });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(pair.user.id);
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect((await ctx.server.rest('GET', '/api/users/me', { token: res.body.accessToken })).status).toBe(200);
  });

  it('in cookie mode sets the refresh token cookie exactly as auth.login does, and leaves it out of the body', async () => {
    const { authenticator } = await withPasskey();
    const { challengeId, options } = await signInChallenge();
    const res = await ctx.server.rest<TokenPair>('POST', '/api/auth/passkey', {
      body: { challengeId, response: authenticator.get(options) },
      headers: { 'x-session-mode': 'cookie' },
    });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('refreshToken');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-refresh_token=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/i);
    const refreshed = await ctx.server.rest('POST', '/api/auth/refresh', {
      body: {},
      headers: { 'x-session-mode': 'cookie', cookie: setCookie.split(';')[0] ?? '' },
    });
    expect(refreshed.status).toBe(200);
  });

  it('answers a bad assertion with 401 and no tokens', async () => {
    const { authenticator } = await withPasskey();
    const { challengeId, options } = await signInChallenge();
    const res = await ctx.server.rest('POST', '/api/auth/passkey', {
      body: { challengeId, response: authenticator.get(options, { isSignatureForged: true }) },
      headers: { 'x-session-mode': 'cookie' },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: 'Passkey sign-in failed', code: 'UNAUTHORIZED' });
    expect(res.text).not.toMatch(/accessToken|refreshToken/);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('answers another user’s credential id at registration with 409', async () => {
    const { authenticator } = await withPasskey();
    const thief = await register(ctx.server);
    const options = await ctx.server.rest<Parameters<SoftwareAuthenticator['create']>[0]>(
      'POST',
      '/api/users/me/passkeys/options',
      { token: thief.accessToken, body: { currentPassword: PASSWORD } },
    );
    const response = new SoftwareAuthenticator(ORIGIN).create(options.body, {
      credentialId: Buffer.from(authenticator.credentialIds[0] ?? '', 'base64url'),
    });
    const res = await ctx.server.rest('POST', '/api/users/me/passkeys', {
      token: thief.accessToken,
      body: { response },
    });
    expect(res.status).toBe(409);
  });
});

describe('passkeys over tRPC', () => {
  it('adds a passkey and signs in with it; a bad assertion is UNAUTHORIZED', async () => {
    const pair = await register(ctx.server);
    const signedIn = ctx.server.trpc(pair.accessToken);
    const authenticator = new SoftwareAuthenticator(ORIGIN);
    const options = await signedIn.passkey.registrationOptions.mutate({ currentPassword: PASSWORD });
    const added = await signedIn.passkey.register.mutate({ response: authenticator.create(options) });
    expect(await signedIn.passkey.list.query()).toEqual([added]);

    const anonymous = ctx.server.trpc();
    const first = await anonymous.auth.passkeyOptions.mutate();
    const session = await anonymous.auth.passkeyLogin.mutate({
      challengeId: first.challengeId,
      response: authenticator.get(first.options),
    });
    expect(session.user.id).toBe(pair.user.id);

    const second = await anonymous.auth.passkeyOptions.mutate();
    const error = await anonymous.auth.passkeyLogin
      .mutate({
        challengeId: second.challengeId,
        response: authenticator.get(second.options, { origin: 'https://evil.example' }),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
  });
});
