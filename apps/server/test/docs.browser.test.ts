/**
 * The docs page in a real browser: headless Chromium (the Debian package, not
 * Playwright's download) opens /api/docs on the real app and must see every
 * REST route, with no console error, failed request, error response or
 * request to any other host.
 *
 * It runs in the sqlite project only: the page and Swagger UI do not depend
 * on the database, and REST on MySQL is covered by rest.test.ts.
 * Without /usr/bin/chromium (or CHROMIUM_PATH) it is skipped with a notice,
 * except when Chromium is required (CHROMIUM_PATH or REQUIRE_SERVICES=1): then it fails.
 */
import { createOpenApiDocument } from '@repo/api';
import { createTestDatabase, type TestDatabase } from '@repo/db/testing';
import { assertChromium, CHROMIUM_ARGS, CHROMIUM_PATH, shouldRunBrowserTests } from '@repo/vitest-config/browser';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { register, startServer, type TestServer } from './helpers.js';

const isSqliteProject = process.env.TEST_DB !== 'mysql';
const runsHere = isSqliteProject && shouldRunBrowserTests('the docs browser test');

// Every route of the document (packages/api's openapi.test pins that list to the contract).
const REST_ROUTES = Object.entries(createOpenApiDocument('/api').paths ?? {})
  .flatMap(([path, item]) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const)
      .filter((m) => item[m])
      .map((m) => `${m.toUpperCase()} ${path}`),
  )
  .sort();

describe.runIf(runsHere)('GET /api/docs in headless Chromium', () => {
  let db: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Everything that went wrong in the page: the test fails if it is not empty. */
  let problems: string[];

  beforeAll(async () => {
    assertChromium();
    db = await createTestDatabase();
    server = await startServer({ orm: db.orm });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.destroy();
  });

  beforeEach(async () => {
    problems = [];
    context = await browser.newContext();
    const origin = new URL(server.baseUrl).origin;
    // Nothing may leave for another host: record it, and never let it out.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) {
        await route.continue();
      } else {
        problems.push(`request to another host: ${url}`);
        await route.abort('blockedbyclient');
      }
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
  });
  afterEach(async () => {
    await context?.close();
  });

  async function openDocs(): Promise<void> {
    const response = await page.goto(`${server.baseUrl}/api/docs`);
    expect(response?.status()).toBe(200);
    await page
      .locator('.opblock')
      .nth(REST_ROUTES.length - 1)
      .waitFor();
  }

  it('lists every REST route, and nothing fails or leaves for another host', async () => {
    await openDocs();
    const routes = await page
      .locator('.opblock-summary')
      .evaluateAll((summaries) =>
        summaries.map(
          (summary) =>
            `${summary.querySelector('.opblock-summary-method')?.textContent?.trim()} ${summary.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
        ),
      );
    expect(routes.sort()).toEqual(REST_ROUTES);
    expect(await page.locator('.information-container .title').textContent()).toContain('Auth API');
    // Swagger UI lists problems it finds in the document here.
    expect(await page.locator('.errors-wrapper').count()).toBe(0);
    // Expanding a route renders its schemas and examples, which may load more.
    await page.locator('#operations-auth-auth-login .opblock-summary').click();
    await page.locator('#operations-auth-auth-login .responses-table').first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
  });

  it('"Try it out" on GET /users/me with a pasted access token answers 200 with the user', async () => {
    const pair = await register(server);
    await openDocs();

    await page.locator('.auth-wrapper .btn.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(pair.accessToken);
    await dialog.locator('.auth-btn-wrapper .btn.authorize').click();
    await dialog.locator('.auth-btn-wrapper .btn-done').click();

    const me = page.locator('#operations-users-user-me');
    await me.locator('.opblock-summary').click();
    await me.locator('.try-out__btn').click();
    await me.locator('.btn.execute').click();
    const response = me.locator('.live-responses-table .response').first();
    await response.waitFor();
    expect((await response.locator('.response-col_status').textContent())?.trim()).toBe('200');
    expect(await response.locator('.response-col_description').textContent()).toContain(
      `"username": "${pair.user.username}"`,
    );
    expect(problems).toEqual([]);
  });
});
