import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startTestApi, type TestApi } from '@repo/server/testing';
import type { TestSmtp } from '@repo/server/testing-smtp';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@repo/vitest-config/browser';
import type { AxeResults, ImpactValue } from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Screenshots of every screen the tests pass through (git-ignored). */
export const SCREENS_DIR = join(WEB_DIR, 'test-results', 'screens');

/** Access tokens live 3 s here, so a test can outwait one and see the app renew it. */
export const ACCESS_TTL_MS = 3000;
export const PASSWORD = 'correct horse battery';

let counter = 0;
/** Credentials of a fresh account, so tests sharing a database never collide. */
export function newCredentials(prefix = 'w'): { username: string; password: string } {
  counter += 1;
  return { username: `${prefix}_${process.pid}_${counter}`, password: PASSWORD };
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

interface Listening {
  origin: string;
  close(): Promise<void>;
}

async function listen(server: ReturnType<typeof createServer>): Promise<Listening> {
  server.listen(0, '127.0.0.1');
  await new Promise<void>((done, fail) => {
    server.once('listening', done);
    server.once('error', fail);
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Paths a reverse proxy in front of the app hands to the API (as deploy/nginx.conf and Vite's dev proxy do). */
const API_PATHS = /^\/(trpc|api)(\/|$)/;

/**
 * Serves the files of `dir` as a static host would (`/` is index.html). It
 * reads them per request, so it can start before the build that fills `dir`:
 * the build needs the API's URL, and the API needs this origin for CORS.
 * With `apiUrl` (read per request: the API may start later), it is also the
 * reverse proxy of /trpc and /api, keeping the Host header as nginx is told to.
 */
export async function serveStatic(dir: string, apiUrl?: () => string): Promise<Listening> {
  const root = resolve(dir);
  return listen(
    createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (apiUrl && API_PATHS.test(path)) {
        const target = new URL(apiUrl());
        const upstream = request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        req.pipe(upstream);
        return;
      }
      const file = resolve(root, `.${path === '/' ? '/index.html' : decodeURIComponent(path)}`);
      let body: Buffer | undefined;
      if (file.startsWith(`${root}${sep}`)) {
        try {
          body = readFileSync(file);
        } catch {
          body = undefined;
        }
      }
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      res
        .writeHead(200, {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        })
        .end(body);
    }),
  );
}

export interface BuiltApp {
  /** Bytes of the JavaScript files, and the same gzip-compressed. */
  jsBytes: number;
  jsGzipBytes: number;
}

/** The production build of the app (the same vite.config.ts as `pnpm build`), calling the API at `apiUrl`. */
export async function buildApp(outDir: string, apiUrl: string): Promise<BuiltApp> {
  // Vitest runs with NODE_ENV=test, which would give the bundle React's
  // development build: build what production ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(WEB_DIR, 'vite.config.ts'),
      root: WEB_DIR,
      mode: 'production',
      logLevel: 'warn',
      // `define` rather than the environment: a VITE_API_URL in the developer's shell must not win.
      define: { 'import.meta.env.VITE_API_URL': JSON.stringify(apiUrl) },
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  const assets = join(outDir, 'assets');
  const scripts = readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .map((name) => readFileSync(join(assets, name)));
  return {
    jsBytes: scripts.reduce((sum, code) => sum + code.length, 0),
    jsGzipBytes: scripts.reduce((sum, code) => sum + gzipSync(code).length, 0),
  };
}

export type ApiServer = TestApi;

/** The real app on an ephemeral port and a fresh database, letting `webOrigins` call it from a browser. */
export function startApi(...webOrigins: string[]): Promise<ApiServer> {
  return startTestApi({ config: { accessTtlMs: ACCESS_TTL_MS }, corsOrigins: webOrigins });
}

/** As startApi, with the API's mail going to `smtp` and its links to `appUrl` (the web app). */
export function startMailingApi(mail: { smtp: TestSmtp; appUrl: string }, ...webOrigins: string[]): Promise<ApiServer> {
  return startTestApi({
    config: { accessTtlMs: ACCESS_TTL_MS, appUrl: mail.appUrl },
    corsOrigins: webOrigins,
    mailer: mail.smtp.mailer,
  });
}

/** A JWT anywhere in a string. */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/**
 * Everything page scripts can read that could hold a session: localStorage,
 * sessionStorage and document.cookie, as "where: text" lines holding a JWT
 * or one of `tokens`.
 */
export async function tokensReadableBy(page: Page, tokens: readonly string[]): Promise<string[]> {
  const readable = await page.evaluate(() => [
    ...Object.entries(localStorage).map(([key, value]) => `localStorage ${key}: ${value}`),
    ...Object.entries(sessionStorage).map(([key, value]) => `sessionStorage ${key}: ${value}`),
    `document.cookie: ${document.cookie}`,
  ]);
  return readable.filter((text) => JWT.test(text) || tokens.some((token) => token && text.includes(token)));
}

/** Registers an account through REST and returns its access token. */
export async function registerThroughApi(
  api: ApiServer,
  credentials: { username: string; password: string },
): Promise<string> {
  const res = await api.rest('POST', '/api/auth/register', { body: credentials });
  if (res.status !== 200) throw new Error(`register ${credentials.username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** The status of a REST sign-in sent from another client address (a loopback address of its own). */
export function loginStatusFrom(
  localAddress: string,
  apiUrl: string,
  username: string,
  password: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/auth/login', apiUrl),
      { method: 'POST', headers: { 'content-type': 'application/json' }, localAddress, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ username, password }));
  });
}

/** The Debian package's Chromium (not a Playwright download), started for a closed network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** The tRPC procedures a request carried (several for a batch), or [] for another URL. */
export function proceduresOf(url: string): string[] {
  const match = /\/trpc\/([^?]+)/.exec(new URL(url).pathname);
  return match?.[1] ? decodeURIComponent(match[1]).split(',') : [];
}

interface ExpectedFailure {
  status: number;
  procedures: readonly string[];
  seen: number;
}

export interface PageWatch {
  /** Everything that went wrong in the page and was not expected: a test passes only when it is empty. */
  problems: string[];
  /**
   * Lets responses with `status` through when every procedure of the request
   * is one of `procedures` (a batch may carry several); anything else >= 400
   * is a problem. Returns how many such responses came, so far.
   */
  allow(status: number, ...procedures: string[]): () => number;
  /** How many calls of `procedure` the page has made (a batch of 3 counts 3). */
  calls(procedure: string): number;
}

/**
 * Records every console error, page error, failed request, error response
 * and request to a third origin; the test asserts the list is empty. Chromium
 * logs "Failed to load resource" for every error response, so an allowed
 * response's console line is allowed with it.
 */
export async function watchPage(page: Page, origins: readonly string[]): Promise<PageWatch> {
  const problems: string[] = [];
  const expected: ExpectedFailure[] = [];
  const called: string[] = [];
  const expectationFor = (status: number, url: string) => {
    const procedures = proceduresOf(url);
    // The latest matching allowance counts: a test can count one kind of failure after allowing it generally.
    return expected.findLast(
      (e) => e.status === status && procedures.length > 0 && procedures.every((p) => e.procedures.includes(p)),
    );
  };

  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || origins.includes(new URL(url).origin)) {
      await route.continue();
    } else {
      problems.push(`request to another origin: ${url}`);
      await route.abort('blockedbyclient');
    }
  });
  page.on('request', (request) => called.push(...proceduresOf(request.url())));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const status = /the server responded with a status of (\d+)/.exec(message.text())?.[1];
    if (status && expectationFor(Number(status), message.location().url)) return;
    problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`),
  );
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const expectation = expectationFor(response.status(), response.url());
    if (expectation) expectation.seen += 1;
    else problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });

  return {
    problems,
    allow(status, ...procedures) {
      const expectation: ExpectedFailure = { status, procedures, seen: 0 };
      expected.push(expectation);
      return () => expectation.seen;
    },
    calls: (procedure) => called.filter((p) => p === procedure).length,
  };
}

/** Saves the page as test-results/screens/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENS_DIR, `${name}.png`), fullPage: true });
}

/** axe-core's browser bundle, the file its README tells you to load into a page. */
const AXE_SOURCE = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'),
  'utf8',
);
/** Violations of these impacts fail a test; "minor" and "moderate" ones are best practices we do not gate on. */
const FAILING_IMPACTS: readonly ImpactValue[] = ['serious', 'critical'];
const COLOR_SCHEMES = ['light', 'dark'] as const;
/** The narrowest phone the design is made for. */
const NARROW_VIEWPORT = { width: 360, height: 740 };

/**
 * Checks the screen the page shows as a user would meet it: axe-core in the
 * light and the dark theme, failing on any serious or critical violation
 * (listed in the message), and no sideways scrolling at 360 px. Saves
 * <name>-light.png, <name>-dark.png and <name>-narrow.png in test-results/screens/.
 *
 * axe is injected as an inline script: the e2e's static server sends no
 * Content-Security-Policy (nginx's, which would refuse it, is tested in nginx.test.ts).
 */
export async function checkScreen(page: Page, name: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const failures: string[] = [];
  const viewport = page.viewportSize();
  try {
    for (const colorScheme of COLOR_SCHEMES) {
      // Reduced motion: no transition or animation is caught half-way when axe measures colours.
      await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
      const violations = await page.evaluate(async () => {
        const { axe } = window as unknown as { axe: { run(context: Document): Promise<AxeResults> } };
        const results = await axe.run(document);
        return results.violations.map(({ id, impact, help, nodes }) => ({
          id,
          impact: impact ?? null,
          help,
          targets: nodes.map((node) => node.target.join(' ')),
        }));
      });
      for (const violation of violations) {
        if (violation.impact && FAILING_IMPACTS.includes(violation.impact)) {
          failures.push(
            `${colorScheme}: ${violation.impact} ${violation.id} (${violation.help}) at ${violation.targets.join(', ')}`,
          );
        }
      }
      await screenshot(page, `${name}-${colorScheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(NARROW_VIEWPORT);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) failures.push(`at ${NARROW_VIEWPORT.width} px wide the page scrolls sideways by ${overflow} px`);
    await screenshot(page, `${name}-narrow`);
  } finally {
    if (viewport) await page.setViewportSize(viewport);
  }
  if (failures.length > 0) throw new Error(`${name}: accessibility problems:\n${failures.join('\n')}`);
}

/**
 * The screenshots the READMEs show (apps/web/docs/), at a size that keeps each
 * PNG small: the viewport only, not the full page. Saved as
 * test-results/screens/readme-<name>.png; copy them to docs/ when the design changes.
 */
export async function readmeScreenshot(page: Page, name: string, colorScheme: 'light' | 'dark'): Promise<void> {
  const viewport = page.viewportSize();
  await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
  await page.setViewportSize({ width: 800, height: 600 });
  try {
    mkdirSync(SCREENS_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENS_DIR, `readme-${name}.png`) });
  } finally {
    if (viewport) await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: 'light' });
  }
}
