/**
 * Sign-in with an identity provider, end to end: the app's production build
 * behind the static server that is also the API's reverse proxy (one origin),
 * the real API, and the local OpenID Connect provider (the one `pnpm dev`
 * runs with OIDC_DEV=1), in headless Chromium. The person clicks "Continue
 * with Dev IdP", signs in on the provider's own page and lands signed in
 * (cookie mode); links and unlinks from the profile. Every screen is checked
 * with axe-core (`checkScreen`), and any unexpected error fails the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevOidcProvider, startDevOidcProvider } from '@repo/server/dev-oidc-provider';
import { startTestApi, type TestApi } from '@repo/server/testing';
import { assertChromium, shouldRunBrowserTests } from '@repo/vitest-config/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildApp,
  checkScreen,
  launchChromium,
  newCredentials,
  type PageWatch,
  serveStatic,
  watchPage,
} from './helpers.js';

const COOKIE_NAME = '__Host-refresh_token';

describe.runIf(shouldRunBrowserTests('the identity-provider browser tests'))(
  'sign-in with an identity provider in headless Chromium',
  () => {
    let outDir: string;
    let web: Awaited<ReturnType<typeof serveStatic>>;
    let api: TestApi;
    let idp: DevOidcProvider;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let watch: PageWatch;

    beforeAll(async () => {
      assertChromium();
      outDir = mkdtempSync(join(tmpdir(), 'web-oidc-e2e-'));
      web = await serveStatic(outDir, () => api.url);
      // The proxy keeps the Host header: the API's public origin is the page's, and so is the redirect URI.
      idp = await startDevOidcProvider({ redirectUris: [`${web.origin}/api/auth/oidc/dev/callback`] });
      api = await startTestApi({
        config: {
          appUrl: `${web.origin}/`,
          oidcProviders: [
            {
              name: 'dev',
              label: 'Dev IdP',
              issuer: idp.issuer,
              clientId: idp.clientId,
              clientSecret: idp.clientSecret,
            },
          ],
        },
      });
      await buildApp(outDir, '');
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await api?.close();
      await idp?.close();
      await web?.close();
      if (outDir) rmSync(outDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      context = await browser.newContext();
      page = await context.newPage();
      // The provider's pages are the one other origin the browser goes to.
      watch = await watchPage(page, [web.origin, idp.issuer]);
    });
    afterEach(async () => {
      await context?.close();
    });

    const heading = (name: string) => page.getByRole('heading', { level: 1, name });
    const sessionCookie = async () => (await context.cookies()).find((cookie) => cookie.name === COOKIE_NAME);

    /** On the provider's own login page (oidc-provider's development interaction): any login name signs in. */
    async function signInAtProvider(login: string): Promise<void> {
      await page.waitForURL((url) => url.origin === idp.issuer);
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    }

    it('“Continue with Dev IdP” signs in at the provider’s page and lands signed in, in cookie mode; its only link cannot be unlinked', async () => {
      const login = newCredentials('idp').username;
      await page.goto(`${web.origin}/#/sign-in`);
      const button = page.getByRole('link', { name: 'Continue with Dev IdP' });
      await button.waitFor();
      await checkScreen(page, 'sign-in-with-providers');
      await button.click();
      await signInAtProvider(login);
      await heading('Your profile').waitFor();
      expect(page.url()).toBe(`${web.origin}/#/profile`);
      await page.getByText(login, { exact: true }).first().waitFor();
      // Cookie mode: the session is the HttpOnly cookie, the one-time code spent.
      expect(await sessionCookie()).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
      // Linked accounts are listed under Security.
      await page.getByRole('link', { name: 'Security' }).click();
      await heading('Security').waitFor();
      await page.getByText(`linked as ${login}@dev-idp.test`, { exact: false }).waitFor();
      await checkScreen(page, 'security-linked-accounts');

      // No password and one link: unlinking it would lock the account out (409, said on the page).
      const refused = watch.allow(409, 'user.unlinkAccount');
      await page.getByRole('button', { name: 'Unlink Dev IdP' }).click();
      await page.getByRole('alert').filter({ hasText: 'only way to sign in' }).waitFor();
      expect(refused()).toBe(1);

      // A reload stays signed in (the cookie resumes the session).
      await page.reload();
      await heading('Security').waitFor();
      expect(watch.problems).toEqual([]);
    });

    it('a provider email that is a local account’s lands on a page that asks to sign in to that account first', async () => {
      await page.goto(`${web.origin}/#/signed-in?link=required&provider=dev`);
      await heading('Sign in to link your account').waitFor();
      await page.getByText('sign in to that account with its password', { exact: false }).waitFor();
      await checkScreen(page, 'signed-in-link-required');
      await page.getByRole('link', { name: 'Back to sign-in' }).click();
      await heading('Sign in').waitFor();
      expect(watch.problems).toEqual([]);
    });

    it('a signed-in account links Dev IdP through the provider, signs in with it, and unlinks it', async () => {
      const credentials = newCredentials('link');
      const login = newCredentials('idp-link').username;
      await page.goto(`${web.origin}/#/register`);
      await heading('Create an account').waitFor();
      await page.getByLabel('Username').fill(credentials.username);
      await page.getByLabel('Password', { exact: true }).fill(credentials.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await heading('Your profile').waitFor();
      await page.getByRole('link', { name: 'Security' }).click();
      await heading('Security').waitFor();

      await page.getByRole('button', { name: 'Link Dev IdP' }).click();
      await signInAtProvider(login);
      await heading('Dev IdP is linked').waitFor();
      await checkScreen(page, 'signed-in-linked');
      await page.getByRole('link', { name: 'Back to Security' }).click();
      await heading('Security').waitFor();
      await page.getByText(`linked as ${login}@dev-idp.test`, { exact: false }).waitFor();

      // Signed out, the provider signs in to this very account.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await heading('Sign in').waitFor();
      await page.getByRole('link', { name: 'Continue with Dev IdP' }).click();
      // The provider remembers its own session: straight back, no login page.
      await heading('Your profile').waitFor();
      await page.getByText(credentials.username, { exact: true }).first().waitFor();

      await page.getByRole('link', { name: 'Security' }).click();
      await heading('Security').waitFor();
      await page.getByRole('button', { name: 'Unlink Dev IdP' }).click();
      await page.getByRole('button', { name: 'Link Dev IdP' }).waitFor();
      expect(watch.problems).toEqual([]);
    });
  },
);
