import { describe, expect, it } from 'vitest';
import { useTestServer } from './helpers.js';

const ctx = useTestServer();

/** The directives of a Content-Security-Policy header, by name. */
function directivesOf(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

async function get(path: string) {
  const res = await fetch(`${ctx.server.baseUrl}${path}`);
  return { res, text: await res.text() };
}

/** The URLs the docs page loads: every src and href. */
function urlsOf(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');
}

describe('GET /api/docs', () => {
  it('is an HTML page that loads only files of this server, and no inline script or style', async () => {
    const { res, text } = await get('/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const urls = urlsOf(text);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url, url).toMatch(/^\/api\//);
    expect(text).toContain('data-spec-url="/api/openapi.json"');
    // Every <script> has a src and no body; no <style> element or style attribute.
    expect(text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(text).not.toMatch(/<script[^>]*>[^<]+<\/script>/);
    expect(text).not.toMatch(/<style|\sstyle=/);
  });

  it('sends a Content-Security-Policy that allows only this origin, without unsafe-inline or unsafe-eval', async () => {
    const { res } = await get('/api/docs');
    const csp = res.headers.get('content-security-policy');
    const directives = directivesOf(csp);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    // swagger-ui.css draws its icons as data: SVG images.
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);
    // helmet's other headers stay.
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('serves every asset the page loads, with its type and the same policy', async () => {
    const { res: page, text } = await get('/api/docs');
    const types: [RegExp, RegExp][] = [
      [/\.js$/, /^(text|application)\/javascript/],
      [/\.css$/, /^text\/css/],
      [/\.png$/, /^image\/png/],
    ];
    for (const url of urlsOf(text).filter((u) => u !== '/api/openapi.json')) {
      const { res } = await get(url);
      expect(res.status, url).toBe(200);
      const type = types.find(([extension]) => extension.test(url))?.[1];
      expect(type, url).toBeDefined();
      expect(res.headers.get('content-type'), url).toMatch(type ?? /^$/);
      expect(res.headers.get('content-security-policy'), url).toBe(page.headers.get('content-security-policy'));
    }
  });

  it('turns off the validator badge and every other call to the internet in its initializer', async () => {
    const { text: html } = await get('/api/docs');
    const initializer = urlsOf(html).find((url) => url.endsWith('docs-initializer.js')) ?? '';
    const { res, text } = await get(initializer);
    expect(res.status).toBe(200);
    expect(text).toContain('validatorUrl: null');
    expect(text).toContain('queryConfigEnabled: false');
    expect(text).not.toMatch(/https?:\/\//);
  });

  it('also answers at /api/docs/ with the same page', async () => {
    const [plain, slash] = await Promise.all([get('/api/docs'), get('/api/docs/')]);
    expect(slash.res.status).toBe(200);
    expect(slash.text).toBe(plain.text);
  });

  it('serves no other file of swagger-ui-dist: not its Petstore page, not its package.json', async () => {
    for (const path of [
      '/api/docs/assets/index.html',
      '/api/docs/assets/swagger-initializer.js',
      '/api/docs/assets/package.json',
      '/api/docs/assets/..%2Fpackage.json',
      '/api/docs/assets/%2e%2e/%2e%2e/package.json',
      '/api/docs/swagger-ui-bundle.js',
    ]) {
      const res = await fetch(`${ctx.server.baseUrl}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json(), path).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('leaves helmet’s default policy on every other route', async () => {
    const docs = (await get('/api/docs')).res.headers.get('content-security-policy');
    for (const path of ['/api/openapi.json', '/api/users/me', '/healthz', '/trpc/user.me']) {
      const csp = (await get(path)).res.headers.get('content-security-policy');
      expect(csp, path).not.toBe(docs);
      expect(directivesOf(csp).has('upgrade-insecure-requests'), path).toBe(true);
    }
  });
});
