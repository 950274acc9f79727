import type { TRPCError } from '@trpc/server';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { createCaller } from '../src/root.js';
import { TokenService } from '../src/services/tokens.js';
import { config, createHarness, type Harness, PASSWORD, refreshTokenOf, uniqueName } from './helpers.js';

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
    const old = await past.caller().auth.login({ username: pair.user.username, password: PASSWORD });
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
