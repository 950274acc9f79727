import type { TRPCError } from '@trpc/server';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createContext } from '../src/context.js';
import { createCaller } from '../src/root.js';
import { TokenService, VERIFIED_ACCESS_TOKENS_KEPT } from '../src/services/tokens.js';
import { config, createHarness, type Harness, PASSWORD, refreshTokenOf, signedIn, uniqueName } from './helpers.js';

let h: Harness;
let pair: Awaited<ReturnType<ReturnType<Harness['caller']>['auth']['register']>>;
beforeAll(async () => {
  h = await createHarness();
  pair = await h.caller().auth.register({ username: uniqueName('tok'), password: PASSWORD });
});
afterAll(async () => {
  await h?.db.destroy();
});

async function meWith(token: string): Promise<TRPCError | undefined> {
  return h
    .caller(token)
    .user.me()
    .then(
      () => undefined,
      (e: unknown) => e as TRPCError,
    );
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('access token verification', () => {
  it('accepts the genuine token', async () => {
    expect(await meWith(pair.accessToken)).toBeUndefined();
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const [, payload] = pair.accessToken.split('.');
    const forged = `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    expect((await meWith(forged))?.code).toBe('UNAUTHORIZED');
  });

  it('refuses a token signed with a foreign secret', async () => {
    const claims = jwt.decode(pair.accessToken) as jwt.JwtPayload;
    const forged = jwt.sign(claims, 'someone-elses-secret-of-32-bytes-long!!', { algorithm: 'HS256' });
    expect((await meWith(forged))?.code).toBe('UNAUTHORIZED');
  });

  it('refuses a tampered payload', async () => {
    const [header, payload, signature] = pair.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const tampered = `${header}.${b64url({ ...claims, sub: 'someone-else' })}.${signature}`;
    expect((await meWith(tampered))?.code).toBe('UNAUTHORIZED');
  });

  it('refuses a refresh token used as an access token', async () => {
    expect((await meWith(refreshTokenOf(pair)))?.code).toBe('UNAUTHORIZED');
  });

  it('refuses an access token signed with the refresh secret', async () => {
    const claims = jwt.decode(pair.accessToken) as jwt.JwtPayload;
    const crossed = jwt.sign(claims, config.refreshSecret, { algorithm: 'HS256' });
    expect((await meWith(crossed))?.code).toBe('UNAUTHORIZED');
  });

  it('refuses a token of another issuer or audience', async () => {
    const other = new TokenService({ ...config, issuer: 'elsewhere' });
    const claims = jwt.decode(pair.accessToken) as jwt.JwtPayload;
    const token = other.issueAccessToken(
      { userId: String(claims.sub), sessionId: String(claims.sid) },
      new Date(),
    ).token;
    expect((await meWith(token))?.code).toBe('UNAUTHORIZED');
    const otherAudience = new TokenService({ ...config, audience: 'elsewhere' });
    const token2 = otherAudience.issueAccessToken(
      { userId: String(claims.sub), sessionId: String(claims.sid) },
      new Date(),
    ).token;
    expect((await meWith(token2))?.code).toBe('UNAUTHORIZED');
  });

  it('refuses an expired access token and says it expired', async () => {
    const past = await createHarness({ now: () => new Date(Date.now() - 2 * 3_600_000), db: h.db });
    const old = signedIn(await past.caller().auth.login({ username: pair.user.username, password: PASSWORD }));
    const error = await meWith(old.accessToken);
    expect(error?.code).toBe('UNAUTHORIZED');
    expect(error?.message).toMatch(/expired/);
  });

  it('refuses a missing or malformed Authorization header', async () => {
    for (const authorization of [
      undefined,
      '',
      'Basic dXNlcjpwYXNz',
      `Token ${pair.accessToken}`,
      'Bearer',
      'Bearer a.b.c',
    ]) {
      const caller = createCaller(createContext({ em: h.db.orm.em, services: h.services, authorization }));
      const error = await caller.user.me().then(
        () => undefined,
        (e: unknown) => e as TRPCError,
      );
      expect(error?.code).toBe('UNAUTHORIZED');
    }
  });

  it('carries iss, aud, sub, sid, jti and a type claim', () => {
    const claims = jwt.decode(pair.accessToken) as jwt.JwtPayload;
    expect(claims).toMatchObject({ iss: 'auth-api', aud: 'auth-api', sub: pair.user.id, typ: 'access' });
    expect(typeof claims.sid).toBe('string');
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp).toBe(pair.expiresAt / 1000);
    const refresh = jwt.decode(refreshTokenOf(pair)) as jwt.JwtPayload;
    expect(refresh).toMatchObject({ typ: 'refresh', sid: claims.sid, sub: pair.user.id });
    expect(refresh.jti).not.toBe(claims.jti);
  });
});

describe('access tokens kept once verified', () => {
  const subject = { userId: '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6a', sessionId: '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6b' };

  it('checks a token once, and then only its expiry, which still ends it on time', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const tokens = new TokenService({ ...config, accessTtlMs: 60_000 });
      const { token } = tokens.issueAccessToken(subject, new Date());
      const verify = vi.spyOn(jwt, 'verify');
      expect(tokens.verifyAccessToken(token)).toMatchObject(subject);
      expect(tokens.verifyAccessToken(token)).toMatchObject(subject);
      expect(verify).toHaveBeenCalledTimes(1);
      verify.mockRestore();
      vi.setSystemTime(Date.now() + 61_000);
      expect(() => tokens.verifyAccessToken(token)).toThrow(/expired/);
      expect(tokens.verifiedAccessTokensKept).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses any other text than the kept one, and never takes it for a refresh token', () => {
    const tokens = new TokenService(config);
    const { token } = tokens.issueAccessToken(subject, new Date());
    tokens.verifyAccessToken(token);
    const [header, payload, signature = ''] = token.split('.');
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(() => tokens.verifyAccessToken(flipped)).toThrow(/Invalid access token/);
    expect(() => tokens.verifyAccessToken(`${token} `)).toThrow(/Invalid access token/);
    expect(() => tokens.verifyRefreshToken(token)).toThrow(/Invalid refresh token/);
    expect(tokens.verifiedAccessTokensKept).toBe(1);
  });

  it('keeps a bounded number, the newest, and verifies a dropped one afresh', () => {
    const tokens = new TokenService(config);
    const issued = Array.from(
      { length: VERIFIED_ACCESS_TOKENS_KEPT + 10 },
      () => tokens.issueAccessToken(subject, new Date()).token,
    );
    for (const token of issued) tokens.verifyAccessToken(token);
    expect(tokens.verifiedAccessTokensKept).toBe(VERIFIED_ACCESS_TOKENS_KEPT);
    const verify = vi.spyOn(jwt, 'verify');
    tokens.verifyAccessToken(issued.at(-1) as string);
    expect(verify).not.toHaveBeenCalled();
    expect(tokens.verifyAccessToken(issued[0] as string)).toMatchObject(subject);
    expect(verify).toHaveBeenCalledTimes(1);
    verify.mockRestore();
  });

  it('leaves the session check to every call: a kept token stops working at logout, for all calls at once', async () => {
    const session = signedIn(await h.caller().auth.login({ username: pair.user.username, password: PASSWORD }));
    const calls = () => Promise.all(Array.from({ length: 20 }, () => meWith(session.accessToken)));
    expect(await calls()).toEqual(Array(20).fill(undefined));
    await h.caller(session.accessToken).auth.logout();
    const after = await calls();
    expect(after.map((error) => error?.code)).toEqual(Array(20).fill('UNAUTHORIZED'));
  });
});
