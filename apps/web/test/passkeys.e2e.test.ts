/**
 * Passkeys end to end, in headless Chromium with a virtual authenticator
 * (the DevTools protocol's WebAuthn domain): add one on the Security screen,
 * sign out, sign in with it; an authenticator that does not hold it cannot.
 *
 * The app is visited as http://localhost:<port>, not 127.0.0.1: WebAuthn
 * runs in secure contexts only (both are), and an RP ID must be a domain,
 * never an IP address. The API's relying party is set to match.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi } from '@repo/server/testing';
import { assertChromium, shouldRunBrowserTests } from '@repo/vitest-config/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_TTL_MS,
  type ApiServer,
  buildApp,
  checkScreen,
  launchChromium,
  newCredentials,
  registerThroughApi,
  serveStatic,
  watchPage,
} from './helpers.js';

describe.runIf(shouldRunBrowserTests("the web app's passkey tests"))('passkeys in headless Chromium', () => {
  let outDir: string;
  let web: Awaited<ReturnType<typeof serveStatic>>;
  let origin: string;
  let api: ApiServer;
  let browser: Browser;

  beforeAll(async () => {
    assertChromium();
    outDir = mkdtempSync(join(tmpdir(), 'web-e2e-passkeys-'));
    web = await serveStatic(outDir, () => api.url);
    origin = web.origin.replace('127.0.0.1', 'localhost');
    api = await startTestApi({
      config: {
        accessTtlMs: ACCESS_TTL_MS,
        appUrl: `${origin}/`,
        webauthn: { rpId: 'localhost', origins: [origin] },
      },
    });
    await buildApp(outDir, '');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await web?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  /** A new browser context and page with a virtual authenticator of its own (a platform one, with UV). */
  async function pageWithAuthenticator(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    return { context, page };
  }

  it('adds a passkey on the Security screen, signs out, and signs in with it; another authenticator cannot', async () => {
    const credentials = newCredentials('pk');
    await registerThroughApi(api, credentials);
    const { context, page } = await pageWithAuthenticator();
    const watch = await watchPage(page, [origin]);
    await page.goto(`${origin}/#/sign-in`);
    await page.getByLabel('Username').fill(credentials.username);
    await page.getByLabel('Password', { exact: true }).fill(credentials.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
    await page.getByText('You have no passkeys yet.').waitFor();
    await checkScreen(page, 'security');
    await page.getByRole('form', { name: 'Add a passkey' }).getByLabel('Current password').fill(credentials.password);
    await page.getByLabel('Name').fill('Virtual key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('listitem').filter({ hasText: 'Virtual key' }).waitFor();
    await page.getByText('never used').waitFor();
    await checkScreen(page, 'security-with-passkey');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await checkScreen(page, 'sign-in-with-passkey');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByText(/last used/).waitFor();
    expect(watch.problems).toEqual([]);
    await context.close();

    // A fresh browser with an authenticator of its own: it holds no passkey for this site.
    const other = await pageWithAuthenticator();
    const otherWatch = await watchPage(other.page, [origin]);
    await other.page.goto(`${origin}/#/sign-in`);
    await other.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    // Chromium ends a request no authenticator can answer when its timeout (the options', 5 minutes) runs out;
    // the virtual authenticator, holding no credential, is asked nothing it can answer.
    await other.page
      .getByText('No passkey was used: the request was cancelled or timed out.')
      .waitFor({ timeout: 60_000 });
    expect(await other.page.getByRole('heading', { level: 1, name: 'Sign in' }).isVisible()).toBe(true);
    expect(otherWatch.problems).toEqual([]);
    await other.context.close();
  });
});
