/**
 * A browser, as far as an OpenID Connect sign-in needs one: a cookie jar per
 * host (as browsers keep them: ports share), redirects followed by hand, and
 * the local provider's login form filled in over HTTP.
 */
import { createServer } from 'node:net';

/** A port free right now, for a server a provider must know the redirect URI of before it starts. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

export class TestBrowser {
  readonly #jars = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.#jars.get(new URL(url).hostname)?.get(name);
  }

  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).hostname;
    const jar = this.#jars.get(host) ?? new Map<string, string>();
    jar.set(name, value);
    this.#jars.set(host, jar);
  }

  /** One request, no redirect followed; the cookies it sets are kept (Max-Age=0 removes). */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const host = new URL(url).hostname;
    const jar = this.#jars.get(host) ?? new Map<string, string>();
    this.#jars.set(host, jar);
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const isCleared = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || pair.slice(at + 1) === '';
      if (isCleared) jar.delete(name);
      else jar.set(name, pair.slice(at + 1));
    }
    return res;
  }

  /**
   * From the provider's authorization URL to the redirect back to the relying
   * party: the provider's login page filled in as `login`. Returns the
   * callback URL (not followed: tests replay or tamper with it).
   */
  async signInAtProvider(authorizationUrl: string, login: string, callbackPrefix: string): Promise<string> {
    let url = authorizationUrl;
    for (let hop = 0; hop < 10; hop++) {
      if (url.startsWith(callbackPrefix)) return url;
      const res = await this.request(url);
      const location = res.headers.get('location');
      if (location) {
        url = new URL(location, url).href;
        continue;
      }
      const page = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
      if (res.status !== 200 || !action)
        throw new Error(`unexpected provider answer ${res.status}: ${page.slice(0, 300)}`);
      const submitted = await this.request(new URL(action.replace(/&amp;/g, '&'), url).href, {
        method: 'POST',
        form: { prompt: 'login', login, password: 'any password' },
      });
      const next = submitted.headers.get('location');
      if (!next)
        throw new Error(`the login form answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
      url = new URL(next, url).href;
    }
    throw new Error('too many redirects at the provider');
  }
}
