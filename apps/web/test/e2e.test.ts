/**
 * The web app end to end: its production build, served by a static server
 * that is also the API's reverse proxy (one origin, as behind nginx), in
 * headless Chromium (the Debian package, not Playwright's download), against
 * the real API on a real database; and a second build that calls the API on
 * its own origin (listed in CORS_ORIGINS). A test fails on any console
 * error, page error, failed request, request to a third origin or error
 * response it did not announce with `watch.allow(status, procedure)`.
 * Every screen it visits is checked with axe-core in the light and the dark
 * theme and at 360 px wide (`checkScreen`), and saved to test-results/screens/.
 *
 * It runs once, on SQLite (see vitest.config.ts). Without /usr/bin/chromium
 * (or CHROMIUM_PATH) it is skipped with a notice, except when Chromium is required
 * (CHROMIUM_PATH or REQUIRE_SERVICES=1): then it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkOf, startTestSmtp, type TestSmtp } from '@repo/server/testing-smtp';
import { assertChromium, shouldRunBrowserTests } from '@repo/vitest-config/browser';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCESS_TTL_MS,
  type ApiServer,
  type BuiltApp,
  buildApp,
  checkScreen,
  launchChromium,
  loginStatusFrom,
  newCredentials,
  type PageWatch,
  readmeScreenshot,
  registerThroughApi,
  serveStatic,
  sleep,
  startMailingApi,
  tokensReadableBy,
  watchPage,
} from './helpers.js';

/** Users made before the tests, so the list has more than one page of 20. */
const SEEDED_USERS = 25;
const COOKIE_NAME = '__Host-refresh_token';

describe.runIf(shouldRunBrowserTests("the web app's browser tests"))('the web app in headless Chromium', () => {
  let outDir: string;
  let crossOutDir: string;
  /** The app and, behind the same origin, the API. */
  let web: Awaited<ReturnType<typeof serveStatic>>;
  /** The app on an origin of its own, calling the API's origin. */
  let crossWeb: Awaited<ReturnType<typeof serveStatic>>;
  let api: ApiServer;
  let smtp: TestSmtp;
  let built: BuiltApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    assertChromium();
    outDir = mkdtempSync(join(tmpdir(), 'web-e2e-'));
    crossOutDir = mkdtempSync(join(tmpdir(), 'web-e2e-cross-'));
    web = await serveStatic(outDir, () => api.url);
    crossWeb = await serveStatic(crossOutDir);
    smtp = await startTestSmtp();
    api = await startMailingApi({ smtp, appUrl: `${web.origin}/` }, crossWeb.origin);
    // '': the API on the page's own origin, the default build.
    built = await buildApp(outDir, '');
    await buildApp(crossOutDir, api.url);
    // kB of 1000 bytes, as Vite prints them.
    console.info(
      `[tests] web app JavaScript: ${(built.jsBytes / 1000).toFixed(1)} kB, ${(built.jsGzipBytes / 1000).toFixed(1)} kB gzip`,
    );
    for (let i = 0; i < SEEDED_USERS; i += 1) await registerThroughApi(api, newCredentials('seed'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await smtp?.close();
    await web?.close();
    await crossWeb?.close();
    for (const dir of [outDir, crossOutDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // A fresh context per test: its own localStorage, so no session carries over.
    context = await browser.newContext();
    page = await context.newPage();
    watch = await watchPage(page, [web.origin]);
    // A signed-out page load asks for no session (the client's hint in
    // localStorage says there is none): no 401 in the console. Tests whose
    // session dies allow that 401 themselves.
  });
  afterEach(async () => {
    await context?.close();
  });

  const heading = (name: string) => page.getByRole('heading', { level: 1, name });
  /** The refresh-token cookie the browser holds (for every page of 127.0.0.1), if any. */
  const sessionCookie = async () => (await context.cookies()).find((cookie) => cookie.name === COOKIE_NAME);
  const notice = () => page.getByRole('status').filter({ hasText: /\S/ }).first();
  const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
  const focusedText = () => page.evaluate(() => document.activeElement?.textContent ?? '');

  async function signIn(username: string, password: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** Submits the sign-in form and waits for the server's answer. */
  async function signInAndWait(username: string, password: string): Promise<number> {
    const answer = page.waitForResponse((r) => r.url().includes('/trpc/auth.login'));
    await signIn(username, password);
    return (await answer).status();
  }

  async function register(username: string, password: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
  }

  /** Opens the app on its registration screen and creates an account: signed in, on the profile. */
  async function registerFromStart(username: string, password: string): Promise<void> {
    await page.goto(`${web.origin}/#/register`);
    await heading('Create an account').waitFor();
    await register(username, password);
    await heading('Your profile').waitFor();
  }

  it('registers, signs in, pages through users, stays signed in across a reload and an expired access token, changes the password and signs out everywhere', async () => {
    const { username, password } = newCredentials('flow');

    await page.goto(web.origin);
    await heading('Sign in').waitFor();
    // Signed out: the page asked for no session, so the console shows no 401.
    expect(watch.calls('auth.refresh')).toBe(0);
    await checkScreen(page, 'sign-in');
    await readmeScreenshot(page, 'sign-in-light', 'light');

    await page.getByRole('link', { name: 'Create one' }).click();
    await heading('Create an account').waitFor();
    await expect.poll(focusedText).toBe('Create an account');
    await checkScreen(page, 'register');
    await register(username, password);

    await heading('Your profile').waitFor();
    await expect.poll(focusedText).toBe('Your profile');
    await page.locator('.profile').getByText(username, { exact: true }).waitFor();
    await checkScreen(page, 'profile');
    await readmeScreenshot(page, 'profile-dark', 'dark');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading('Sign in').waitFor();
    await expect.poll(() => notice().textContent()).toBe('You have signed out.');
    await checkScreen(page, 'signed-out');

    await signIn(username, password);
    await heading('Your profile').waitFor();
    await page.locator('.profile').getByText(username, { exact: true }).waitFor();

    // One page of 20, then "Load more" with the cursor: the rest, ourselves last (oldest first).
    await page.getByRole('link', { name: 'Users' }).click();
    await heading('Users').waitFor();
    const users = page.locator('ol.users > li');
    await users.nth(19).waitFor();
    expect(await users.count()).toBe(20);
    await page.getByText('Showing the first 20 users.').waitFor();
    await checkScreen(page, 'users');
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText(/^All \d+ users are shown\.$/).waitFor();
    expect(await users.count()).toBeGreaterThan(SEEDED_USERS);
    const me = users.filter({ hasText: '(you)' });
    expect(await me.locator('.username').textContent()).toBe(username);
    // The keyboard moved to the first user of the new page.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.matches('ol.users > li:nth-child(21)')))
      .toBe(true);
    await checkScreen(page, 'users-all');

    // A reload keeps the session (the cookie) and the screen (the URL's hash).
    await page.waitForLoadState('networkidle');
    const loginsBeforeReload = watch.calls('auth.login');
    await page.reload();
    await heading('Users').waitFor();
    await users.nth(19).waitFor();
    expect(await heading('Sign in').count()).toBe(0);
    expect(watch.calls('auth.login')).toBe(loginsBeforeReload);
    await checkScreen(page, 'users-after-reload');

    // Outwait the 3-second access token the reload got: the next calls renew it and go on.
    await sleep(ACCESS_TTL_MS + 100);
    const refreshesBefore = watch.calls('auth.refresh');
    await page.getByRole('link', { name: 'Profile' }).click();
    await heading('Your profile').waitFor();
    await page.locator('.profile').getByText(username, { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Users' }).click();
    await users.nth(19).waitFor();
    expect(await heading('Sign in').count()).toBe(0);
    expect(watch.calls('auth.refresh')).toBeGreaterThan(refreshesBefore);
    expect(watch.calls('auth.login')).toBe(loginsBeforeReload);

    const newPassword = 'a brand new passphrase';
    await page.getByRole('link', { name: 'Change password' }).click();
    await heading('Change password').waitFor();
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    // A typo in the second field is caught by the form itself: nothing is sent.
    const changesBefore = watch.calls('user.changePassword');
    await page.getByLabel('New password again').fill(`${newPassword}!`);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect
      .poll(() => page.locator('#password-confirm-error').textContent())
      .toBe('This does not match the new password');
    expect(watch.calls('user.changePassword')).toBe(changesBefore);
    await page.getByLabel('New password again').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => notice().textContent()).toContain('Your password has been changed');
    await checkScreen(page, 'password-changed');

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await heading('Sign in').waitFor();
    await expect.poll(() => notice().textContent()).toBe('You have signed out everywhere (1 session ended).');
    expect(await sessionCookie()).toBeUndefined();
    await checkScreen(page, 'signed-out-everywhere');

    // The new password is the one that works now.
    await signIn(username, newPassword);
    await heading('Your profile').waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('adds and verifies an email on the profile, then a forgotten password is reset by the emailed link and every old session ends', async () => {
    const { username, password } = newCredentials('mail');
    const email = `${username}@Example.test`;
    await registerThroughApi(api, { username, password });

    // Another device, signed in before the reset.
    const otherContext = await browser.newContext();
    const other = await otherContext.newPage();
    await other.goto(web.origin);
    await other.getByLabel('Username').fill(username);
    await other.getByLabel('Password', { exact: true }).fill(password);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await other.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();

    await page.goto(web.origin);
    await signIn(username, password);
    await heading('Your profile').waitFor();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Current password').fill(password);
    await page.getByRole('button', { name: 'Save and send a verification link' }).click();
    await expect.poll(() => notice().textContent()).toContain('Check your inbox');
    await page.locator('.profile').getByText(`${email} (not verified)`).waitFor();
    await checkScreen(page, 'email-set');

    // The link of the real message, opened in the browser.
    const verification = linkOf(await smtp.nextTo(email, 0));
    expect(verification.url.startsWith(`${web.origin}/#/verify-email?token=`)).toBe(true);
    // A mail scanner opens the link first, in a browser of its own: the screen
    // waits for a click, so nothing is spent and the owner's click still works.
    const scannerContext = await browser.newContext();
    const scanner = await scannerContext.newPage();
    await scanner.goto(verification.url);
    await scanner.getByRole('heading', { level: 1, name: 'Confirm your email address' }).waitFor();
    await scanner.getByRole('button', { name: 'Confirm this address' }).waitFor();
    await scannerContext.close();
    await page.goto(verification.url);
    await heading('Confirm your email address').waitFor();
    await checkScreen(page, 'email-confirm');
    await page.getByRole('button', { name: 'Confirm this address' }).click();
    await heading('Email address verified').waitFor();
    await checkScreen(page, 'email-verified');
    await page.getByRole('link', { name: 'Go to your profile' }).click();
    await page.locator('.profile').getByText(`${email} (verified)`).waitFor();
    // A link already followed says so.
    await page.goto(verification.url);
    const spentLink = watch.allow(400, 'auth.verifyEmail');
    await page.getByRole('button', { name: 'Confirm this address' }).click();
    await heading('This link does not work').waitFor();
    await page.getByRole('alert').getByText('The link is invalid, expired or already used').waitFor();
    expect(spentLink()).toBe(1);
    await checkScreen(page, 'email-link-used');
    await page.getByRole('link', { name: 'Go to your profile' }).click();
    await heading('Your profile').waitFor();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading('Sign in').waitFor();
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await heading('Forgot your password?').waitFor();
    await checkScreen(page, 'forgot-password');
    await page.getByLabel('Email address').fill(email.toLowerCase());
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(/a link to choose a new password is on its way/).waitFor();
    await checkScreen(page, 'forgot-password-sent');

    const reset = linkOf(await smtp.nextTo(email, 1));
    expect(reset.url.startsWith(`${web.origin}/#/reset-password?token=`)).toBe(true);
    await page.goto(reset.url);
    await heading('Choose a new password').waitFor();
    await checkScreen(page, 'reset-password');
    const newPassword = 'recovered by email';
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('New password again').fill(newPassword);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await heading('Sign in').waitFor();
    await expect.poll(() => notice().textContent()).toContain('Your password has been changed');
    // The token left the address bar.
    expect(page.url()).not.toContain('token=');

    // The link works once.
    await page.goto(reset.url);
    await heading('Choose a new password').waitFor();
    const refusedLink = watch.allow(400, 'auth.resetPassword');
    await page.getByLabel('New password', { exact: true }).fill('yet another passphrase');
    await page.getByLabel('New password again').fill('yet another passphrase');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('The link is invalid, expired or already used').waitFor();
    expect(refusedLink()).toBe(1);
    await checkScreen(page, 'reset-link-used');

    await page.goto(web.origin);
    await signIn(username, newPassword);
    await heading('Your profile').waitFor();

    // The device signed in before the reset is signed out at its next call.
    const otherWatch = await watchPage(other, [web.origin]);
    otherWatch.allow(401, 'user.me', 'auth.refresh');
    await other.reload();
    await other.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(otherWatch.problems).toEqual([]);
    await otherContext.close();
    expect(watch.problems).toEqual([]);
  });

  it('a session revoked elsewhere returns the app to sign-in with a message, and signing in returns to the screen', async () => {
    const { username, password } = newCredentials('revoked');
    await registerFromStart(username, password);

    // Another device signs in and signs out everywhere.
    const login = await api.rest('POST', '/api/auth/login', { body: { username, password } });
    const { accessToken } = (await login.json()) as { accessToken: string };
    expect((await api.rest('POST', '/api/auth/logout-all', { token: accessToken })).status).toBe(200);

    // The next call is refused (or, if the 3 s access token has already run
    // out, the client renews first), so is the renewal: the client ends the
    // session after exactly one refused renewal.
    watch.allow(401, 'user.list', 'user.me');
    const refusedRenewals = watch.allow(401, 'auth.refresh');
    await page.getByRole('link', { name: 'Users' }).click();
    await heading('Sign in').waitFor();
    await expect.poll(() => notice().textContent()).toContain('Your session has ended');
    await expect.poll(focusedText).toBe('Sign in');
    await expect.poll(refusedRenewals).toBe(1);
    // The server cleared the cookie it refused.
    expect(await sessionCookie()).toBeUndefined();
    await checkScreen(page, 'session-ended');

    await signIn(username, password);
    await heading('Users').waitFor();
    await page.locator('ol.users > li').nth(19).waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('turns on an authenticator app from Security (QR code, first code, recovery codes), signs out another device from Devices, and asks for the code at the next sign-in', async () => {
    const { username, password } = newCredentials('totp');
    await registerFromStart(username, password);
    // Another device, signed in through the API.
    const other = await api.rest('POST', '/api/auth/login', { body: { username, password } });
    const { accessToken: otherToken } = (await other.json()) as { accessToken: string };

    await page.getByRole('link', { name: 'Security' }).click();
    await heading('Security').waitFor();
    await page.locator('ul.devices > li').nth(1).waitFor();
    await checkScreen(page, 'security');

    await page.getByRole('form', { name: 'Set up an authenticator app' }).getByLabel('Current password').fill(password);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('.totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByRole('img', { name: /QR code/ }).waitFor();
    expect(await page.getByRole('img', { name: /QR code/ }).getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await checkScreen(page, 'security-totp-setup');

    // The code an authenticator app shows now, computed from the key on the screen.
    const codeAt = (timestamp: number) =>
      TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp });
    await page.getByLabel('Code from the app').fill(codeAt(Date.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.locator('ol.recovery-codes > li').nth(9).waitFor();
    const recoveryCodes = await page.locator('ol.recovery-codes code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await expect.poll(() => notice().textContent()).toBe('Two-step sign-in is on.');
    expect(await page.getByRole('link', { name: 'Download codes' }).getAttribute('href')).toContain(
      encodeURIComponent(recoveryCodes[0] ?? ''),
    );
    await checkScreen(page, 'security-totp-on');

    // Devices: the other session ends at once.
    await page.getByRole('button', { name: /Sign out this device/ }).click();
    await expect.poll(() => notice().textContent()).toBe('That device is signed out.');
    await expect.poll(() => page.locator('ul.devices > li').count()).toBe(1);
    expect((await api.rest('GET', '/api/users/me', { token: otherToken })).status).toBe(401);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading('Sign in').waitFor();
    expect(await signInAndWait(username, password)).toBe(200);
    await heading('Enter your code').waitFor();
    await checkScreen(page, 'sign-in-code');

    // A wrong code: the form says so, and the step stays.
    watch.allow(401, 'auth.verifyMfa');
    await page.getByLabel('Code', { exact: true }).fill('000000');
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid code' }).waitFor();
    await checkScreen(page, 'sign-in-code-wrong');

    // The code of the next step (one step of drift is accepted): the one used to turn TOTP on is spent.
    await page.getByLabel('Code', { exact: true }).fill(codeAt(Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await heading('Your profile').waitFor();
    expect(await sessionCookie()).toBeDefined();

    // A recovery code works in place of the app.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading('Sign in').waitFor();
    await signIn(username, password);
    await heading('Enter your code').waitFor();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await heading('Your profile').waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('registering shows the invalid (400) and the taken (409) username next to the username field', async () => {
    await page.goto(`${web.origin}/#/register`);
    await heading('Create an account').waitFor();
    const usernameError = page.locator('#register-username-error');

    const invalid = watch.allow(400, 'auth.register');
    await register('ab', 'correct horse battery');
    await expect.poll(() => usernameError.textContent()).toBe('Username must be 3 to 40 characters');
    expect(await page.getByLabel('Username').getAttribute('aria-describedby')).toContain('register-username-error');
    expect(await page.getByLabel('Username').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(focusedId).toBe('register-username');
    await expect.poll(invalid).toBe(1);
    await checkScreen(page, 'register-invalid');

    const taken = newCredentials('taken');
    await registerThroughApi(api, taken);
    const conflicts = watch.allow(409, 'auth.register');
    // Another letter case is the same name.
    await register(taken.username.toUpperCase(), taken.password);
    await expect.poll(() => usernameError.textContent()).toBe('Username is already taken');
    await expect.poll(focusedId).toBe('register-username');
    await expect.poll(conflicts).toBe(1);
    await checkScreen(page, 'register-taken');
    expect(watch.problems).toEqual([]);
  });

  it('shows a user their recent security activity, and only an admin the Audit screen with every event', async () => {
    const plain = newCredentials('plain');
    await registerFromStart(plain.username, plain.password);
    await expect.poll(() => page.getByRole('link', { name: 'Security' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading('Sign in').waitFor();

    const admin = newCredentials('auditor');
    await registerThroughApi(api, admin);
    const wrong = await api.rest('POST', '/api/auth/login', {
      body: { username: admin.username, password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    // Made an admin in the database, as an operator would.
    await api.db.orm.em
      .fork()
      .getConnection()
      .execute('update users set role = ? where username = ?', ['admin', admin.username]);
    await signIn(admin.username, admin.password);
    await heading('Your profile').waitFor();

    await page.getByRole('link', { name: 'Security' }).click();
    await heading('Security').waitFor();
    const activity = page.getByRole('list', { name: 'Recent security activity' });
    await activity.waitFor();
    await expect.poll(() => activity.getByText('Failed sign-in').count()).toBe(1);
    expect(await activity.getByText('Signed in', { exact: true }).count()).toBeGreaterThanOrEqual(1);
    await checkScreen(page, 'security-activity');

    await page.getByRole('link', { name: 'Audit' }).click();
    await heading('Audit').waitFor();
    const events = page.getByRole('list', { name: 'Events' });
    await events.waitFor();
    await expect.poll(() => events.getByText('Account created').count()).toBeGreaterThanOrEqual(2);
    await checkScreen(page, 'audit');
    await page.getByLabel('Event type').fill('login.failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    // While the filtered page loads the list is gone: wait for both, not for the old rows to go.
    await expect
      .poll(async () => [
        await events.getByText('Account created').count(),
        (await events.getByText('Failed sign-in').count()) > 0,
      ])
      .toEqual([0, true]);
    await checkScreen(page, 'audit-filtered');
    expect(watch.problems).toEqual([]);
  });

  it('a wrong password shows the sign-in error (401)', async () => {
    const credentials = newCredentials('wrong');
    await registerThroughApi(api, credentials);
    await page.goto(web.origin);
    await heading('Sign in').waitFor();

    const refused = watch.allow(401, 'auth.login');
    expect(await signInAndWait(credentials.username, 'not the password')).toBe(401);
    const message = page.getByRole('alert');
    await expect.poll(() => message.textContent()).toBe('Invalid username or password');
    await expect.poll(focusedText).toBe('Invalid username or password');
    await expect.poll(refused).toBe(1);
    await checkScreen(page, 'sign-in-wrong-password');
    expect(watch.problems).toEqual([]);
  });

  it('while the server has not answered, the submit button is busy: disabled, aria-busy and saying so', async () => {
    const credentials = newCredentials('busy');
    await registerThroughApi(api, credentials);
    await page.goto(web.origin);
    await heading('Sign in').waitFor();

    // The sign-in request waits until the test has looked at the button (a later route runs first).
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    await page.route('**/trpc/auth.login**', async (route) => {
      await answered;
      await route.fallback();
    });
    await signIn(credentials.username, credentials.password);
    const busy = page.getByRole('button', { name: 'Signing in…' });
    await busy.waitFor();
    expect(await busy.getAttribute('aria-busy')).toBe('true');
    expect(await busy.isDisabled()).toBe(true);
    await checkScreen(page, 'sign-in-busy');

    answer();
    await heading('Your profile').waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('after 10 failed sign-ins the app says how many seconds to wait (429)', async () => {
    const credentials = newCredentials('throttled');
    await registerThroughApi(api, credentials);
    await page.goto(web.origin);
    await heading('Sign in').waitFor();

    const refused = watch.allow(401, 'auth.login');
    for (let i = 0; i < 10; i += 1) {
      expect(await signInAndWait(credentials.username, 'not the password')).toBe(401);
    }
    const throttled = watch.allow(429, 'auth.login');
    // Even the right password waits now.
    expect(await signInAndWait(credentials.username, credentials.password)).toBe(429);
    const message = page.getByRole('alert');
    await expect.poll(() => message.textContent()).toMatch(/^Too many attempts\. Try again in \d+ seconds/);
    expect(refused()).toBe(10);
    expect(throttled()).toBe(1);
    await checkScreen(page, 'sign-in-throttled');
    expect(watch.problems).toEqual([]);
  });
  it("after a stranger's 10 wrong passwords from another address, the owner signs in", async () => {
    const credentials = newCredentials('targeted');
    await registerThroughApi(api, credentials);
    // The stranger guesses straight at the API from another client address.
    const guesses = await Promise.all(
      Array.from({ length: 12 }, () => loginStatusFrom('127.0.6.1', api.url, credentials.username, 'not the password')),
    );
    expect(guesses.filter((status) => status === 401)).toHaveLength(10);
    expect(guesses.filter((status) => status === 429)).toHaveLength(2);
    expect(await loginStatusFrom('127.0.6.1', api.url, credentials.username, credentials.password)).toBe(429);

    await page.goto(web.origin);
    await heading('Sign in').waitFor();
    expect(await signInAndWait(credentials.username, credentials.password)).toBe(200);
    await heading('Your profile').waitFor();
    await page.locator('.profile').getByText(credentials.username, { exact: true }).waitFor();
    expect(watch.problems).toEqual([]);
  });

  it('after 10 wrong current passwords the password form says how many seconds to wait (429), even for the right one', async () => {
    const credentials = newCredentials('pwthrottled');
    await registerThroughApi(api, credentials);
    await page.goto(web.origin);
    await heading('Sign in').waitFor();
    await signIn(credentials.username, credentials.password);
    await heading('Your profile').waitFor();
    await page.getByRole('link', { name: 'Change password' }).click();
    await heading('Change password').waitFor();

    const changeAndWait = async (currentPassword: string) => {
      const answer = page.waitForResponse((r) => r.url().includes('/trpc/user.changePassword'));
      await page.getByLabel('Current password').fill(currentPassword);
      await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
      await page.getByLabel('New password again').fill('a brand new passphrase');
      await page.getByRole('button', { name: 'Change password' }).click();
      return (await answer).status();
    };
    const refused = watch.allow(400, 'user.changePassword');
    for (let i = 0; i < 10; i += 1) expect(await changeAndWait('not the password')).toBe(400);
    const throttled = watch.allow(429, 'user.changePassword');
    // The budget is the username's: the right current password waits too.
    expect(await changeAndWait(credentials.password)).toBe(429);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/^Too many attempts\. Try again in \d+ seconds/);
    expect(refused()).toBe(10);
    expect(throttled()).toBe(1);
    await checkScreen(page, 'password-throttled');
    expect(watch.problems).toEqual([]);
  });

  describe('cookie mode', () => {
    /** Registers in the page and returns the access token the server answered with. */
    async function registerAndCapture(username: string, password: string): Promise<string> {
      const answer = page.waitForResponse((r) => r.url().includes('/trpc/auth.register'));
      await register(username, password);
      const body = (await (await answer).json()) as { result: { data: Record<string, unknown> } }[];
      expect(body[0]?.result.data).not.toHaveProperty('refreshToken');
      return String(body[0]?.result.data.accessToken);
    }

    it('after sign-in no script-readable storage holds a token, the cookie is HttpOnly, Secure and SameSite=Strict, and sign-out clears it', async () => {
      const { username, password } = newCredentials('stash');
      await page.goto(`${web.origin}/#/register`);
      await heading('Create an account').waitFor();
      const accessToken = await registerAndCapture(username, password);
      await heading('Your profile').waitFor();
      // The profile's request has its answer before the reload below, which would cut it (net::ERR_ABORTED).
      await page.locator('.profile').getByText(username, { exact: true }).waitFor();

      const cookie = await sessionCookie();
      expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
      expect(await tokensReadableBy(page, [accessToken, cookie?.value ?? ''])).toEqual([]);

      // A reload stays signed in, by the cookie alone, and still leaves nothing readable.
      await page.reload();
      await heading('Your profile').waitFor();
      await page.locator('.profile').getByText(username, { exact: true }).waitFor();
      const rotated = await sessionCookie();
      expect(rotated?.value).not.toBe(cookie?.value);
      expect(await tokensReadableBy(page, [accessToken, rotated?.value ?? ''])).toEqual([]);

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await heading('Sign in').waitFor();
      expect(await sessionCookie()).toBeUndefined();
      await page.reload();
      await heading('Sign in').waitFor();
      expect(watch.problems).toEqual([]);
    });

    it('a page on another origin that posts to the API with the user’s cookie is refused, and the session lives on', async () => {
      const { username, password } = newCredentials('csrf');
      await registerFromStart(username, password);
      const victimCookie = await sessionCookie();

      // Another origin of the same site (127.0.0.1, another port): the browser does send a SameSite=Strict cookie there.
      const evil = await serveStatic(outDir);
      try {
        const attacker = await context.newPage();
        await attacker.goto(`${evil.origin}/nothing-here`).catch(() => undefined);
        const sent: { url: string; status: number; cookie: string; setCookie: string | null }[] = [];
        // Requests whose answer the browser kept from the page.
        const blocked: string[] = [];
        attacker.on('requestfailed', (request) => blocked.push(request.failure()?.errorText ?? ''));
        attacker.on('response', async (response) => {
          if (!response.url().startsWith(web.origin)) return;
          const headers = await response.request().allHeaders();
          sent.push({
            url: response.url(),
            status: response.status(),
            cookie: headers.cookie ?? '',
            setCookie: await response.headerValue('set-cookie'),
          });
        });

        const outcomes = await attacker.evaluate(async (target) => {
          const results: string[] = [];
          // A simple request (no preflight): the cookie goes along, the header cannot. tRPC
          // refuses its text/plain body (415); the server's Cross-Origin-Resource-Policy keeps even that from the page.
          await fetch(`${target}/trpc/auth.refresh`, {
            method: 'POST',
            mode: 'no-cors',
            credentials: 'include',
            body: '{}',
          }).catch(() => undefined);
          // With the header: CORS asks first, and this origin is not allowed.
          await fetch(`${target}/trpc/auth.refresh`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json', 'x-session-mode': 'cookie' },
            body: '{}',
          }).then(
            (res) => results.push(`cors answered ${res.status}`),
            () => results.push('cors refused'),
          );
          return results;
        }, web.origin);
        expect(outcomes).toEqual(['cors refused']);

        // A classic forged form, which navigates the page to the answer.
        const formAnswer = attacker.waitForResponse((r) => r.url() === `${web.origin}/api/auth/refresh`);
        await attacker.evaluate((target) => {
          const form = document.createElement('form');
          form.method = 'POST';
          form.action = `${target}/api/auth/refresh`;
          form.enctype = 'text/plain';
          const field = document.createElement('input');
          field.name = '{"refreshToken":"';
          field.value = '"}';
          form.append(field);
          document.body.append(form);
          form.submit();
        }, web.origin);
        const form = await formAnswer;
        expect(form.status()).toBeGreaterThanOrEqual(400);
        expect(await form.text()).not.toMatch(/accessToken/);

        expect(blocked).toEqual(['net::ERR_BLOCKED_BY_RESPONSE.NotSameOrigin', 'net::ERR_FAILED']);
        await expect.poll(() => sent.length).toBe(1);
        for (const request of sent) {
          // The forged requests carried the victim's cookie, and were refused all the same.
          expect(request.cookie, request.url).toContain(`${COOKIE_NAME}=`);
          expect(request.status, request.url).toBeGreaterThanOrEqual(400);
          expect(request.setCookie, request.url).toBeNull();
        }
        // Nothing was rotated nor revoked: the same cookie, and the victim's app carries on after a reload.
        expect((await sessionCookie())?.value).toBe(victimCookie?.value);
        await page.reload();
        await heading('Your profile').waitFor();
        expect(watch.problems).toEqual([]);
      } finally {
        await evil.close();
      }
    });

    it('two tabs stay in step: signing in in one signs in the other, signing out in one signs out the other', async () => {
      const { username, password } = newCredentials('tabs');
      const other = await context.newPage();
      const otherWatch = await watchPage(other, [web.origin]);
      otherWatch.allow(401, 'auth.refresh');
      await other.goto(web.origin);
      await other.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

      await registerFromStart(username, password);
      await other.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
      await other.locator('.profile').getByText(username, { exact: true }).waitFor();

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await heading('Sign in').waitFor();
      await other.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      expect(await sessionCookie()).toBeUndefined();
      expect(watch.problems).toEqual([]);
      expect(otherWatch.problems).toEqual([]);
    });

    it('the build for a separate API origin (in CORS_ORIGINS) signs in, survives a reload and signs out', async () => {
      const crossPage = await context.newPage();
      const crossWatch = await watchPage(crossPage, [crossWeb.origin, api.url]);
      crossWatch.allow(401, 'auth.refresh');
      const { username, password } = newCredentials('cross');
      await crossPage.goto(`${crossWeb.origin}/#/register`);
      const crossHeading = (name: string) => crossPage.getByRole('heading', { level: 1, name });
      await crossHeading('Create an account').waitFor();
      await crossPage.getByLabel('Username').fill(username);
      await crossPage.getByLabel('Password', { exact: true }).fill(password);
      await crossPage.getByRole('button', { name: 'Create account' }).click();
      await crossHeading('Your profile').waitFor();
      // The profile's request has its answer before the reload below, which would cut it (net::ERR_ABORTED).
      await crossPage.locator('.profile').getByText(username, { exact: true }).waitFor();
      expect(await tokensReadableBy(crossPage, [])).toEqual([]);

      await crossPage.reload();
      await crossHeading('Your profile').waitFor();
      await crossPage.locator('.profile').getByText(username, { exact: true }).waitFor();

      await crossPage.getByRole('button', { name: 'Sign out', exact: true }).click();
      await crossHeading('Sign in').waitFor();
      expect(await sessionCookie()).toBeUndefined();
      expect(crossWatch.problems).toEqual([]);
    });
  });
});
