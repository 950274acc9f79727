/**
 * Sign-in with an identity provider (OpenID Connect) against the local
 * provider (src/dev-oidc-provider.ts), over real HTTP, on two instances of
 * the app sharing one database.
 */
import { tmpdir } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import { type ApiServices, createApiServices, type SecurityEvent, type TokenPair } from '@repo/api';
import { createOrm, repositoriesOf } from '@repo/db';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevOidcProvider, startDevOidcProvider } from '../src/dev-oidc-provider.js';
import { OIDC_FLOW_COOKIE_NAME } from '../src/oidc-routes.js';
import { apiConfig, PASSWORD, register, startServer, type TestServer, uniqueName } from './helpers.js';
import { freePort, TestBrowser } from './oidc-support.js';

const APP_URL = 'http://app.test/';
const PROVIDER = 'dev';

describe('sign-in with an identity provider (OpenID Connect)', () => {
  let db: TestDatabase;
  let secondOrm: MikroORM;
  let idp: DevOidcProvider;
  let a: TestServer;
  let b: TestServer;
  const events: SecurityEvent[] = [];
  /** Added to the services' clock (the one-time code's 60 s). */
  let clockOffsetMs = 0;
  /** When set, the ID token of the next token response is re-signed with the provider's key, changed by it. */
  let rewriteIdToken: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined;
  /** The local provider as the servers' configuration names it. */
  const devIdp = () => ({
    name: PROVIDER,
    label: 'Dev IdP',
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
  });
  /** The local address whose email the provider vouches for (the no-hijack test). */
  const sharedEmail = `${uniqueName('shared')}@example.test`;

  beforeAll(async () => {
    db = await createTestDatabase();
    secondOrm = await createOrm({ url: db.url, rootDir: tmpdir(), quiet: true });
    const ports = [await freePort(), await freePort()];
    idp = await startDevOidcProvider({
      redirectUris: ports.map((port) => `http://127.0.0.1:${port}/api/auth/oidc/${PROVIDER}/callback`),
      accounts: { 'idp-erin': { email: sharedEmail, emailVerified: true, preferredUsername: 'erin' } },
    });
    const key = await importJWK(idp.signingKey, 'RS256');
    const servicesOf = (): ApiServices =>
      createApiServices(
        {
          ...apiConfig,
          appUrl: APP_URL,
          oidcProviders: [devIdp()],
        },
        {
          events: (event) => events.push(event),
          now: () => new Date(Date.now() + clockOffsetMs),
          // The provider's token response, with its ID token changed and signed again with the provider's own key.
          oidcFetch: async (url, options) => {
            const res = await fetch(url, options as RequestInit);
            const rewrite = rewriteIdToken;
            if (!rewrite || !new URL(url).pathname.endsWith('/token')) return res;
            const body = (await res.json()) as { id_token: string };
            body.id_token = await new SignJWT(rewrite(decodeJwt(body.id_token)))
              .setProtectedHeader({ alg: 'RS256', kid: idp.signingKey.kid })
              .sign(key);
            return new Response(JSON.stringify(body), {
              status: res.status,
              headers: { 'content-type': 'application/json' },
            });
          },
        },
      );
    a = await startServer({ orm: db.orm, services: servicesOf(), port: ports[0] });
    b = await startServer({ orm: secondOrm, services: servicesOf(), port: ports[1] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await idp?.close();
    await secondOrm?.close(true);
    await db?.destroy();
  });

  const callbackPrefix = (server: TestServer) => `${server.baseUrl}/api/auth/oidc/${PROVIDER}/callback`;

  /** The start route: its redirect to the provider, in `browser` (which keeps the flow cookie). */
  async function start(browser: TestBrowser, server: TestServer = a, path = `/api/auth/oidc/${PROVIDER}/start`) {
    const res = await browser.request(`${server.baseUrl}${path}`);
    return { res, location: res.headers.get('location') ?? '' };
  }

  /** Start, sign in at the provider as `login`: the callback URL the provider sends the browser to. */
  async function toCallback(login: string, browser = new TestBrowser(), tamper?: (url: URL) => void) {
    const { res, location } = await start(browser);
    expect(res.status).toBe(302);
    const url = new URL(location);
    tamper?.(url);
    return { browser, callbackUrl: await browser.signInAtProvider(url.href, login, callbackPrefix(a)) };
  }

  /** The app URL the callback redirects to, parsed (`#/signed-in?…`). */
  function landing(res: Response) {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}/`).toBe(APP_URL);
    expect(location.hash.startsWith('#/signed-in?')).toBe(true);
    return new URLSearchParams(location.hash.slice('#/signed-in?'.length));
  }

  async function signInCode(login: string): Promise<string> {
    const { browser, callbackUrl } = await toCallback(login);
    const code = landing(await browser.request(callbackUrl)).get('code');
    if (!code) throw new Error('no code');
    return code;
  }

  const exchange = (code: string, server: TestServer = a) =>
    server.rest<TokenPair>('POST', '/api/auth/oidc/exchange', { body: { code } });

  it('lists the configured providers for the sign-in buttons', async () => {
    const res = await a.rest('GET', '/api/auth/oidc/providers');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ providers: [{ name: PROVIDER, label: 'Dev IdP' }] });
  });

  it('starts with PKCE (S256), state and nonce, and a short-lived HttpOnly SameSite=Lax flow cookie', async () => {
    const browser = new TestBrowser();
    const { res, location } = await start(browser);
    expect(res.status).toBe(302);
    const url = new URL(location);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('redirect_uri')).toBe(callbackPrefix(a));
    const cookie = res.headers.getSetCookie().find((line) => line.startsWith(`${OIDC_FLOW_COOKIE_NAME.secure}=`));
    expect(cookie).toMatch(/Max-Age=600;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Secure/);
  });

  it('answers 404 for a provider that is not configured', async () => {
    const { res } = await start(new TestBrowser(), a, '/api/auth/oidc/nope/start');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('makes an account at the first sign-in, and finds it at the second; it has no password', async () => {
    const login = uniqueName('idp');
    const first = await exchange(await signInCode(login));
    expect(first.status).toBe(200);
    expect(first.body.user.username).toBe(login);
    expect((await a.rest('GET', '/api/users/me', { token: first.body.accessToken })).status).toBe(200);
    const second = await exchange(await signInCode(login));
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(first.body.user.id);
    const linked = await a.rest('GET', '/api/users/me/linked-accounts', { token: second.body.accessToken });
    expect(linked.body).toMatchObject({
      items: [{ provider: PROVIDER, label: 'Dev IdP', email: `${login}@dev-idp.test` }],
    });
    // No password until a reset sets one: none signs in.
    const withPassword = await a.rest('POST', '/api/auth/login', { body: { username: login, password: PASSWORD } });
    expect(withPassword.status).toBe(401);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'oidc.signed_in', userId: first.body.user.id, isNewAccount: true }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'oidc.exchanged', userId: first.body.user.id }));
  });

  it('makes a unique username when the provider’s name is taken', async () => {
    const taken = uniqueName('taken');
    await register(a, taken);
    const res = await exchange(await signInCode(taken));
    expect(res.status).toBe(200);
    expect(res.body.user.username).toMatch(new RegExp(`^${taken}-[0-9a-f]{4,6}$`));
  });

  it('answers the one-time code in cookie mode with the session cookie', async () => {
    const code = await signInCode(uniqueName('idp'));
    const res = await a.rest('POST', '/api/auth/oidc/exchange', {
      body: { code },
      headers: { 'x-session-mode': 'cookie' },
    });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('refreshToken');
    expect(res.headers.getSetCookie().join('\n')).toMatch(/__Host-refresh_token=ey/);
  });

  it('refuses a callback whose state is not the flow’s, and the flow is spent', async () => {
    const { browser, callbackUrl } = await toCallback(uniqueName('idp'));
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'forged-state');
    const flowCookie = browser.cookie(a.baseUrl, OIDC_FLOW_COOKIE_NAME.secure) ?? '';
    const res = await browser.request(forged.href);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/state/) });
    // The right state after a wrong one: the flow answered once already.
    browser.setCookie(a.baseUrl, OIDC_FLOW_COOKIE_NAME.secure, flowCookie);
    expect((await browser.request(callbackUrl)).status).toBe(400);
  });

  it('sends the app word of a sign-in the person declined at the provider, and makes nothing', async () => {
    const { browser, callbackUrl } = await toCallback(uniqueName('idp'));
    const declined = new URL(callbackUrl);
    declined.searchParams.delete('code');
    declined.searchParams.set('error', 'access_denied');
    expect(Object.fromEntries(landing(await browser.request(declined.href)))).toEqual({
      error: 'provider_refused',
      provider: PROVIDER,
    });
  });

  it('refuses a callback in a browser that did not start the flow (no flow cookie)', async () => {
    const { callbackUrl } = await toCallback(uniqueName('idp'));
    const res = await new TestBrowser().request(callbackUrl);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: expect.stringMatching(/^state: no sign-in/) });
  });

  it('refuses a replayed callback, even with the flow cookie kept', async () => {
    const { browser, callbackUrl } = await toCallback(uniqueName('idp'));
    const flowCookie = browser.cookie(a.baseUrl, OIDC_FLOW_COOKIE_NAME.secure) ?? '';
    expect(landing(await browser.request(callbackUrl)).get('code')).toBeTruthy();
    browser.setCookie(a.baseUrl, OIDC_FLOW_COOKIE_NAME.secure, flowCookie);
    expect((await browser.request(callbackUrl)).status).toBe(400);
  });

  it('refuses a provider code spent already, presented with a new flow', async () => {
    const first = await toCallback(uniqueName('idp'));
    const code = new URL(first.callbackUrl).searchParams.get('code') ?? '';
    expect(landing(await first.browser.request(first.callbackUrl)).get('code')).toBeTruthy();
    // A second flow in the same browser; its callback carries the first one's provider code.
    const second = await toCallback(uniqueName('idp'));
    const replayed = new URL(second.callbackUrl);
    replayed.searchParams.set('code', code);
    const res = await second.browser.request(replayed.href);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses an ID token whose nonce is not the flow’s', async () => {
    const { browser, callbackUrl } = await toCallback(uniqueName('idp'), new TestBrowser(), (url) =>
      url.searchParams.set('nonce', 'a-nonce-the-server-never-made'),
    );
    const res = await browser.request(callbackUrl);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: expect.stringMatching(/nonce/) });
  });

  describe('refuses an ID token signed with the provider’s own key', () => {
    const cases: [string, (claims: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
      ['for another audience', (claims) => ({ ...claims, aud: 'another-client' }), /aud/],
      ['from another issuer', (claims) => ({ ...claims, iss: 'https://evil.example' }), /iss/],
      [
        'that has expired',
        (claims) => ({
          ...claims,
          iat: Math.floor(Date.now() / 1000) - 7200,
          exp: Math.floor(Date.now() / 1000) - 3600,
        }),
        /exp/,
      ],
    ];
    for (const [name, rewrite, message] of cases) {
      it(name, async () => {
        const login = uniqueName('idp');
        const { browser, callbackUrl } = await toCallback(login);
        rewriteIdToken = rewrite;
        try {
          const res = await browser.request(callbackUrl);
          expect(res.status).toBe(400);
          expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(message) });
        } finally {
          rewriteIdToken = undefined;
        }
        expect(await repositoriesOf(db.orm.em.fork()).users.isUsernameTaken(login)).toBe(false);
      });
    }
  });

  it('takes the one-time code once, and only within 60 s', async () => {
    const late = await signInCode(uniqueName('idp'));
    clockOffsetMs = 61_000;
    try {
      const res = await exchange(late);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ message: 'code: is invalid, expired or used' });
    } finally {
      clockOffsetMs = 0;
    }
    const inTime = await signInCode(uniqueName('idp'));
    clockOffsetMs = 59_000;
    try {
      expect((await exchange(inTime)).status).toBe(200);
    } finally {
      clockOffsetMs = 0;
    }
    expect((await exchange(inTime)).status).toBe(400);
  });

  it('does not link a new subject to the local account its verified email matches until that account signs in', async () => {
    const owner = await register(a, uniqueName('erin'));
    await repositoriesOf(db.orm.em.fork()).users.setVerifiedEmail(owner.user.id, sharedEmail, new Date());
    const usersBefore = await repositoriesOf(db.orm.em.fork()).users.count();

    // The provider vouches for the address: still no link, no new account, no session.
    const { browser, callbackUrl } = await toCallback('idp-erin');
    const answer = landing(await browser.request(callbackUrl));
    expect(Object.fromEntries(answer)).toEqual({ link: 'required', provider: PROVIDER });
    expect(await repositoriesOf(db.orm.em.fork()).users.count()).toBe(usersBefore);
    expect(await repositoriesOf(db.orm.em.fork()).linkedAccounts.count({ user: owner.user.id })).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ type: 'oidc.link_required', provider: PROVIDER }));

    // The owner signs in (cookie mode, in this browser) and links from there.
    const login = await fetch(`${a.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-mode': 'cookie' },
      body: JSON.stringify({ username: owner.user.username, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const sessionCookie = /__Host-refresh_token=([^;]+)/.exec(login.headers.getSetCookie().join('\n'))?.[1] ?? '';
    browser.setCookie(a.baseUrl, '__Host-refresh_token', sessionCookie);
    const { accessToken } = (await login.json()) as { accessToken: string };

    const linkStart = await a.rest<{ url: string }>('POST', `/api/users/me/linked-accounts/${PROVIDER}`, {
      token: accessToken,
    });
    expect(linkStart.status).toBe(200);
    // Opened in another browser (not signed in to the account), the link URL links nothing.
    const elsewhere = await new TestBrowser().request(linkStart.body.url);
    expect(elsewhere.status).toBe(403);

    const again = await a.rest<{ url: string }>('POST', `/api/users/me/linked-accounts/${PROVIDER}`, {
      token: accessToken,
    });
    const toProvider = await browser.request(again.body.url);
    expect(toProvider.status).toBe(302);
    const linkCallback = await browser.signInAtProvider(
      toProvider.headers.get('location') ?? '',
      'idp-erin',
      callbackPrefix(a),
    );
    expect(Object.fromEntries(landing(await browser.request(linkCallback)))).toEqual({ linked: PROVIDER });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'oidc.linked', userId: owner.user.id, provider: PROVIDER }),
    );

    // From now on the provider signs in to the owner's account.
    const res = await exchange(await signInCode('idp-erin'));
    expect(res.body.user.id).toBe(owner.user.id);
  });

  it('refuses to unlink the last way in (no password, one link), and unlinks otherwise', async () => {
    const onlyLink = await exchange(await signInCode(uniqueName('idp')));
    const refused = await a.rest('DELETE', `/api/users/me/linked-accounts/${PROVIDER}`, {
      token: onlyLink.body.accessToken,
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CONFLICT' });

    // An account with a password may unlink its only link.
    const owner = await register(a, uniqueName('pw'));
    const ticket = await a.rest<{ url: string }>('POST', `/api/users/me/linked-accounts/${PROVIDER}`, {
      token: owner.accessToken,
    });
    const browser = new TestBrowser();
    browser.setCookie(a.baseUrl, '__Host-refresh_token', owner.refreshToken);
    const toProvider = await browser.request(ticket.body.url);
    const callbackUrl = await browser.signInAtProvider(
      toProvider.headers.get('location') ?? '',
      uniqueName('idp'),
      callbackPrefix(a),
    );
    expect(landing(await browser.request(callbackUrl)).get('linked')).toBe(PROVIDER);
    const unlinked = await a.rest('DELETE', `/api/users/me/linked-accounts/${PROVIDER}`, { token: owner.accessToken });
    expect(unlinked.status).toBe(200);
    expect(events).toContainEqual(expect.objectContaining({ type: 'oidc.unlinked', userId: owner.user.id }));
    const list = await a.rest('GET', '/api/users/me/linked-accounts', { token: owner.accessToken });
    expect(list.body).toEqual({ items: [] });
    expect(
      (await a.rest('DELETE', `/api/users/me/linked-accounts/${PROVIDER}`, { token: owner.accessToken })).status,
    ).toBe(404);
  });

  it('budgets callbacks and code exchanges per client address (429 with Retry-After)', async () => {
    const budget = 3;
    const port = await freePort();
    const throttled = await startServer({
      orm: db.orm,
      port,
      services: createApiServices({
        ...apiConfig,
        throttle: { ...apiConfig.throttle, maxOidcPerAddress: budget },
        oidcProviders: [devIdp()],
      }),
    });
    try {
      for (let i = 0; i < budget; i++) {
        expect((await throttled.rest('POST', '/api/auth/oidc/exchange', { body: { code: 'not-a-code' } })).status).toBe(
          400,
        );
      }
      const exchange = await throttled.rest('POST', '/api/auth/oidc/exchange', { body: { code: 'not-a-code' } });
      expect(exchange.status).toBe(429);
      expect(Number(exchange.headers.get('retry-after'))).toBeGreaterThan(0);
      const callback = await fetch(`${throttled.baseUrl}/api/auth/oidc/${PROVIDER}/callback?code=x&state=y`);
      expect(callback.status).toBe(429);
      expect(Number(callback.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await callback.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    } finally {
      await throttled.close();
    }
  });

  it('finishes on one instance a flow another began (the flow lives in the shared database)', async () => {
    const login = uniqueName('idp');
    const { browser, callbackUrl } = await toCallback(login);
    // Behind a load balancer both instances answer one origin: the callback reaches the other one.
    const onB = callbackUrl.replace(a.baseUrl, b.baseUrl);
    const code = landing(await browser.request(onB)).get('code') ?? '';
    const res = await exchange(code, b);
    expect(res.status).toBe(200);
    expect(res.body.user.username).toBe(login);
  });
});
