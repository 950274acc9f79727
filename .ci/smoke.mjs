// The curl flow of apps/server/README.md against a running server:
// register → login → me → list → refresh → logout, and what must fail after.
// Usage: node .ci/smoke.mjs http://127.0.0.1:3000
const base = process.argv[2] ?? 'http://127.0.0.1:3000';

async function waitForReady() {
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${base}/readyz never answered 200`);
}

async function call(method, path, { token, body } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

function expect(label, actual, expected) {
  if (actual !== expected) throw new Error(`${label}: expected ${expected}, got ${actual}`);
  console.log(`ok  ${label}`);
}

await waitForReady();
const credentials = { username: `smoke_${Date.now()}`, password: 'smoke test password' };
const registered = await call('POST', '/api/auth/register', { body: credentials });
expect('register', registered.status, 200);
expect('register again', (await call('POST', '/api/auth/register', { body: credentials })).status, 409);
const login = await call('POST', '/api/auth/login', { body: credentials });
expect('login', login.status, 200);
const me = await call('GET', '/api/users/me', { token: login.body.accessToken });
expect('me', me.body.username, credentials.username);
expect('list', (await call('GET', '/api/users?limit=5', { token: login.body.accessToken })).status, 200);
const refreshed = await call('POST', '/api/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
expect('refresh', refreshed.status, 200);
expect('logout', (await call('POST', '/api/auth/logout', { token: refreshed.body.accessToken })).status, 200);
expect('me after logout', (await call('GET', '/api/users/me', { token: refreshed.body.accessToken })).status, 401);
expect(
  'the other session still works',
  (await call('GET', '/api/users/me', { token: registered.body.accessToken })).status,
  200,
);
expect(
  'trpc user.me',
  (await fetch(`${base}/trpc/user.me`, { headers: { authorization: `Bearer ${registered.body.accessToken}` } })).status,
  200,
);
const openapi = await (await fetch(`${base}/api/openapi.json`)).json();
expect('openapi paths', Object.keys(openapi.paths).length >= 8, true);

// Cookie mode (browser sessions), as the production process wires it: the cookie is Secure whatever the request.
const cookieMode = { 'content-type': 'application/json', 'x-session-mode': 'cookie' };
const cookieRegistered = await fetch(`${base}/api/auth/register`, {
  method: 'POST',
  headers: cookieMode,
  body: JSON.stringify({ username: `smoke_cookie_${Date.now()}`, password: 'smoke test password' }),
});
const setCookie = cookieRegistered.headers.get('set-cookie') ?? '';
expect('cookie mode register', cookieRegistered.status, 200);
expect('cookie mode: no refreshToken in the body', 'refreshToken' in (await cookieRegistered.json()), false);
// Express's res.cookie writes the attributes in an order of its own (and an Expires beside Max-Age).
const [cookiePair = '', ...cookieAttributes] = setCookie.split(';').map((part) => part.trim());
expect(
  'cookie mode: the cookie is __Host-, HttpOnly, SameSite=Strict and Secure',
  /^__Host-refresh_token=[\w-]+\.[\w-]+\.[\w-]+$/.test(cookiePair) &&
    ['HttpOnly', 'SameSite=Strict', 'Secure', 'Path=/'].every((attribute) => cookieAttributes.includes(attribute)) &&
    cookieAttributes.some((attribute) => /^Max-Age=\d+$/.test(attribute)),
  true,
);
const cookie = setCookie.split(';')[0];
const byCookie = await fetch(`${base}/api/auth/refresh`, {
  method: 'POST',
  headers: { ...cookieMode, cookie },
  body: '{}',
});
expect('cookie mode refresh by cookie', byCookie.status, 200);
const withoutHeader = await fetch(`${base}/api/auth/refresh`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', cookie: (byCookie.headers.get('set-cookie') ?? '').split(';')[0] },
  body: '{}',
});
expect('a cookie without X-Session-Mode is refused', withoutHeader.status, 403);
