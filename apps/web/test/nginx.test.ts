/**
 * deploy/nginx.conf in real nginx (the Debian package), as the compose stack
 * runs it: the app's production build as its root, the real API (with
 * TRUST_PROXY=1, as docker-compose.yml sets it) as its upstream. Only the
 * addresses are rewritten (the upstream, the port, the root); every other
 * line is the file's own. It checks the headers the app and nginx's own error
 * pages get, that the API's pass through untouched, that X-Forwarded-Host is
 * set with the port, and, in headless Chromium, that the app works under its
 * Content-Security-Policy.
 *
 * Without nginx (/usr/sbin/nginx, or NGINX_PATH) it is skipped with a notice,
 * except when nginx is required (NGINX_PATH or REQUIRE_SERVICES=1): then it
 * fails. The browser part needs Chromium likewise.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi } from '@repo/server/testing';
import { assertChromium, shouldRunBrowserTests } from '@repo/vitest-config/browser';
import { isRequired } from '@repo/vitest-config/services';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApp, launchChromium, newCredentials, watchPage } from './helpers.js';

const NGINX_PATH = process.env.NGINX_PATH || '/usr/sbin/nginx';
const hasNginx = existsSync(NGINX_PATH);
if (!hasNginx && !isRequired.nginx) {
  console.warn(
    `[tests] ${NGINX_PATH} is missing: skipping the deploy/nginx.conf test (apt-get install nginx; with NGINX_PATH or REQUIRE_SERVICES=1 set it fails instead).`,
  );
}
const runsHere = hasNginx || isRequired.nginx;

const CONF_PATH = new URL('../../../deploy/nginx.conf', import.meta.url);

/** What the app, and every response nginx makes itself, must carry. */
const WEB_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};
/** Headers the API sets itself (helmet), which nginx must pass on as they are. */
const API_OWN_HEADERS = Object.keys(WEB_HEADERS);

/** deploy/nginx.conf with the stack's addresses replaced by the test's; fails if any line to replace is gone. */
function configFor(apiOrigin: string, port: number, root: string): string {
  let text = readFileSync(CONF_PATH, 'utf8');
  for (const [line, replacement] of [
    ['server server:3000;', `server ${new URL(apiOrigin).host};`],
    ['listen 80;', `listen 127.0.0.1:${port};`],
    ['root /srv/web;', `root ${root};`],
  ] as const) {
    if (!text.includes(line)) throw new Error(`deploy/nginx.conf has no "${line}" any more: update this test`);
    text = text.replace(line, replacement);
  }
  return text;
}

/** The main configuration around it: one process as this user, everything in `dir`. */
function mainConfig(dir: string): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `${name}_temp_path ${join(dir, name)};`)
    .join('\n    ');
  return `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 64; }
http {
    types { text/html html; text/javascript js; text/css css; }
    default_type application/octet-stream;
    access_log off;
    ${temp}
    include ${join(dir, 'default.conf')};
}
`;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise<void>((done) => server.once('listening', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** The named headers of a response, lower-case names. */
function headersOf(res: Response, names: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, res.headers.get(name)]));
}

describe.runIf(runsHere)('deploy/nginx.conf in nginx', () => {
  let dir: string;
  let api: ApiServer;
  let nginx: ChildProcess | undefined;
  let origin: string;
  let script: string;

  beforeAll(async () => {
    if (!hasNginx)
      throw new Error(`nginx is required and ${NGINX_PATH} is missing: install the Debian package "nginx"`);
    dir = mkdtempSync(join(tmpdir(), 'nginx-conf-'));
    const root = join(dir, 'html');
    await buildApp(root, '');
    script = readdirSync(join(root, 'assets')).find((name) => name.endsWith('.js')) ?? '';
    api = await startTestApi({ trustProxy: 1 });
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'default.conf'), configFor(api.url, port, root));
    writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir));
    const args = ['-p', dir, '-c', join(dir, 'nginx.conf')];
    const syntax = spawnSync(NGINX_PATH, ['-t', ...args], { encoding: 'utf8' });
    if (syntax.status !== 0) throw new Error(`nginx -t refused the configuration:\n${syntax.stderr}`);
    nginx = spawn(NGINX_PATH, args, { stdio: 'ignore' });
    // Until it answers (or has exited: then the error log says why).
    for (;;) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited:\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      const up = await fetch(`${origin}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (up) break;
      await new Promise((done) => setTimeout(done, 50));
    }
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((done) => nginx?.once('exit', done));
      nginx.kill('SIGTERM');
      await exited;
    }
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app (the page, an asset, any screen path) with its security headers, naming no nginx version', async () => {
    for (const path of ['/', '/index.html', `/assets/${script}`, '/no/such/file']) {
      const res = await fetch(`${origin}${path}`);
      expect(res.status, path).toBe(200);
      expect(headersOf(res, API_OWN_HEADERS), path).toEqual(WEB_HEADERS);
      expect(res.headers.get('server'), path).toBe('nginx');
    }
  });

  it("gives nginx's own error pages the same headers, and no version (413 on the API's location, 405 on the app's)", async () => {
    const tooLarge = await fetch(`${origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x', password: 'y'.repeat(200 * 1024) }),
    });
    const post = await fetch(`${origin}/index.html`, { method: 'POST' });
    for (const [status, res] of [
      [413, tooLarge],
      [405, post],
    ] as const) {
      expect(res.status).toBe(status);
      expect(headersOf(res, API_OWN_HEADERS), String(status)).toEqual(WEB_HEADERS);
      expect(await res.text(), String(status)).not.toMatch(/nginx\/\d/);
    }
  });

  it("passes the API's own headers (the docs page's CSP among them) on as they are, once, with its Cache-Control", async () => {
    for (const path of ['/api/openapi.json', '/api/docs/', '/trpc/user.me', '/api/users/me']) {
      const direct = await fetch(`${api.url}${path}`);
      const proxied = await fetch(`${origin}${path}`);
      expect(proxied.status, path).toBe(direct.status);
      const names = [...API_OWN_HEADERS, 'cache-control', 'vary'];
      expect(headersOf(proxied, names), path).toEqual(headersOf(direct, names));
    }
    expect((await fetch(`${origin}/trpc/user.me`)).headers.get('cache-control')).toBe('no-store');
  });

  it('tells the API the host with its port: cookie mode from the page origin is accepted; a client-written X-Forwarded-Host is replaced', async () => {
    const register = (headers: Record<string, string>) =>
      fetch(`${origin}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-mode': 'cookie', ...headers },
        body: JSON.stringify(newCredentials('nginx')),
      });
    const own = await register({ origin });
    expect(own.status).toBe(200);
    expect(own.headers.get('set-cookie')).toBeTruthy();
    // Were the host taken without its port, the page's own origin would not match.
    expect((await register({ origin: 'http://127.0.0.1' })).status).toBe(403);
    const forged = await register({ origin: 'http://evil.example', 'x-forwarded-host': 'evil.example' });
    expect(forged.status).toBe(403);
  });

  describe.runIf(shouldRunBrowserTests('the app under the CSP of deploy/nginx.conf'))('in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      assertChromium();
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('the app works under its CSP: it registers, and a reload keeps the session (no console error, no violation)', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const violations: string[] = [];
      await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) =>
          (window as unknown as { reportViolation(text: string): void }).reportViolation(
            `${event.violatedDirective} ${event.blockedURI}`,
          ),
        );
      });
      const watch = await watchPage(page, [origin]);
      const heading = (name: string) => page.getByRole('heading', { level: 1, name });
      const { username, password } = newCredentials('csp');
      await page.goto(`${origin}/#/register`);
      await heading('Create an account').waitFor();
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await heading('Your profile').waitFor();
      expect(watch.problems).toEqual([]);
      const beforeReload = watch.problems.length;
      await page.reload();
      await heading('Your profile').waitFor();
      // A reload cuts the page's requests still in flight (net::ERR_ABORTED): the browser's doing, not the app's.
      expect(watch.problems.slice(beforeReload).filter((problem) => !problem.endsWith('net::ERR_ABORTED'))).toEqual([]);
      expect(violations).toEqual([]);
      // The policy is in force: an inline script, which an injection would add, does not run.
      const inlineRan = await page.evaluate(() => {
        const inline = document.createElement('script');
        inline.textContent = 'document.body.dataset.inlineRan = "yes"';
        document.head.append(inline);
        return document.body.dataset.inlineRan === 'yes';
      });
      expect(inlineRan).toBe(false);
      await expect.poll(() => violations).toEqual([expect.stringMatching(/^script-src(-elem)? inline$/)]);
      await context.close();
    });
  });
});
