/**
 * The audit log over real HTTP: the rows a run of every flow leaves behind,
 * who they name, and that none of them holds any secret the run handled —
 * passwords, access and refresh tokens, emailed reset and verification
 * tokens (read from a real SMTP server's mail), password hashes.
 */
import { type AuditEventView, createApiServices, type TokenPair } from '@repo/api';
import { repositoriesOf } from '@repo/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../src/mailer.js';
import { linkOf, startTestSmtp } from '../src/testing-smtp.js';
import { apiConfig, PASSWORD, uniqueName, useTestServer } from './helpers.js';

const smtp = await startTestSmtp();
const services = createApiServices(
  { ...apiConfig, appUrl: 'http://app.test:5173/', resetRequestMinMs: 10 },
  { mailer: createSmtpMailer(smtp.url, 'Auth API <no-reply@app.test>') },
);
const ctx = useTestServer({ services });
afterAll(() => smtp.close());

const USER_AGENT = 'AuditTest/1.0 (a browser, as far as anyone knows)';
const WRONG_PASSWORD = 'a wrong guess at the password';
const NEW_PASSWORD = 'a brand new passphrase';
const RESET_PASSWORD = 'the passphrase after the reset';

/** An audit row as the API answers it (its time aside, which the tests do not read). */
type Row = Omit<AuditEventView, 'at'>;

/** Every secret the run below handles, as it went over the wire or into the database. */
const secrets = new Set<string>([PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, RESET_PASSWORD]);
const keep = (...values: (string | undefined)[]) => {
  for (const value of values) if (value) secrets.add(value);
};

let requestNumber = 0;
async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string) {
  requestNumber += 1;
  const res = await ctx.server.rest<T>(method, path, {
    ...(body === undefined ? {} : { body }),
    ...(token ? { token } : {}),
    headers: { 'user-agent': USER_AGENT, 'x-request-id': `audit-${requestNumber}` },
  });
  return res;
}

async function mailLink(address: string) {
  await services.email.idle();
  const link = linkOf(smtp.to(address).at(-1));
  keep(link.token);
  return link.token;
}

async function registerWithEmail(email: string) {
  const username = uniqueName('audit');
  const res = await call<TokenPair>('POST', '/api/auth/register', { username, password: PASSWORD, email });
  expect(res.status, res.text).toBe(200);
  keep(res.body.accessToken, res.body.refreshToken);
  return { pair: res.body, username };
}

async function signIn(username: string, password: string) {
  const res = await call<TokenPair>('POST', '/api/auth/login', { username, password });
  expect(res.status, res.text).toBe(200);
  keep(res.body.accessToken, res.body.refreshToken);
  return res.body;
}

async function rowsAbout(userId: string): Promise<Row[]> {
  const rows = await repositoriesOf(ctx.db.orm.em.fork()).auditEvents.find(
    { userId },
    { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
  );
  return rows.map(
    (row) =>
      ({
        ...row,
        userId: row.userId ?? null,
        actorId: row.actorId ?? null,
        details: JSON.parse(row.details) as Row['details'],
      }) as Row,
  );
}

describe('the audit log over HTTP', () => {
  let userId = '';
  let adminToken = '';
  let userToken = '';

  it('records every flow with its subject, actor, address, user agent and request id', async () => {
    const email = `audit.${process.pid}@example.test`;
    const { pair, username } = await registerWithEmail(email);
    userId = pair.user.id;
    const verified = await call('POST', '/api/auth/verify-email', { token: await mailLink(email) });
    expect(verified.status, verified.text).toBe(200);
    expect((await call('POST', '/api/auth/login', { username, password: WRONG_PASSWORD })).status).toBe(401);
    const signedIn = await signIn(username, PASSWORD);
    const rotated = await call<TokenPair>('POST', '/api/auth/refresh', { refreshToken: signedIn.refreshToken });
    expect(rotated.status, rotated.text).toBe(200);
    keep(rotated.body.accessToken, rotated.body.refreshToken);
    expect((await call('POST', '/api/auth/refresh', { refreshToken: signedIn.refreshToken })).status).toBe(401);
    const changed = await call(
      'POST',
      '/api/users/me/password',
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      pair.accessToken,
    );
    expect(changed.status, changed.text).toBe(200);
    expect((await call('POST', '/api/auth/password-reset', { email })).status).toBe(200);
    const reset = await call('POST', '/api/auth/password-reset/confirm', {
      token: await mailLink(email),
      newPassword: RESET_PASSWORD,
    });
    expect(reset.status, reset.text).toBe(200);
    const last = await signIn(username, RESET_PASSWORD);
    userToken = last.accessToken;
    const admin = await registerWithEmail(`audit-admin.${process.pid}@example.test`);
    await repositoriesOf(ctx.db.orm.em.fork()).users.nativeUpdate({ id: admin.pair.user.id }, { role: 'admin' });
    adminToken = admin.pair.accessToken;
    const promoted = await call('POST', `/api/admin/users/${userId}/role`, { role: 'admin' }, adminToken);
    expect(promoted.status, promoted.text).toBe(200);
    const demoted = await call('POST', `/api/admin/users/${userId}/role`, { role: 'user' }, adminToken);
    expect(demoted.status, demoted.text).toBe(200);
    const spare = await signIn(username, RESET_PASSWORD);
    expect((await call('POST', '/api/auth/logout', undefined, spare.accessToken)).status).toBe(200);

    const rows = await rowsAbout(userId);
    expect(rows.map((row) => row.type)).toEqual([
      'register',
      'email.verification_sent',
      'email.verified',
      'login.failed',
      'login.succeeded',
      'refresh.reuse_detected',
      'password.changed',
      'password_reset.requested',
      'password_reset.completed',
      'login.succeeded',
      'admin.role_changed',
      'admin.role_changed',
      'login.succeeded',
      'logout',
    ]);
    for (const row of rows) {
      expect(row.clientAddress).toMatch(/127\.0\.0\.1$/);
      expect(row.userAgent).toBe(USER_AGENT);
      expect(row.requestId).toMatch(/^audit-\d+$/);
    }
    const actors = Object.fromEntries(rows.map((row) => [row.type, row.actorId]));
    expect(actors).toMatchObject({
      register: userId,
      'login.failed': null,
      'refresh.reuse_detected': null,
      'password.changed': userId,
      // Whoever holds the mailbox proved to be the owner.
      'password_reset.completed': userId,
      'admin.role_changed': admin.pair.user.id,
      logout: userId,
    });
  });

  it('pages the admin through the log and shows a user only their own events; 403 for anyone else', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/admin/audit-events?userId=${userId}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call<{ items: Row[]; nextCursor: string | null }>('GET', query, undefined, adminToken);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual((await rowsAbout(userId)).map((row) => row.id).reverse());
    const roleChanges = await call<{ items: Row[] }>(
      'GET',
      `/api/admin/audit-events?type=admin.role_changed&limit=100`,
      undefined,
      adminToken,
    );
    expect(roleChanges.body.items.map((item) => item.details.role)).toEqual(['user', 'admin']);
    expect((await call('GET', '/api/admin/audit-events', undefined, userToken)).status).toBe(403);
    expect((await call('GET', '/api/admin/audit-events')).status).toBe(401);
    const own = await call<{ items: Row[] }>('GET', '/api/users/me/security-activity?limit=100', undefined, userToken);
    expect(own.status, own.text).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(5);
    expect(own.body.items.every((item) => item.userId === userId)).toBe(true);
    const admins = await call<{ items: Row[] }>('GET', '/api/users/me/security-activity', undefined, adminToken);
    expect(admins.body.items.every((item) => item.userId !== userId)).toBe(true);
  });

  it('holds no secret in any column of any row', async () => {
    const em = ctx.db.orm.em.fork();
    const hashes = (await em.getConnection().execute('select password_hash from users')) as { password_hash: string }[];
    keep(...hashes.map((row) => row.password_hash));
    const rows = (await em.getConnection().execute('select * from audit_events')) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThanOrEqual(16);
    expect(secrets.size).toBeGreaterThan(12);
    const leaks: string[] = [];
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        for (const secret of secrets) if (text.includes(secret)) leaks.push(`${column}: ${secret.slice(0, 12)}…`);
        if (/eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(text)) leaks.push(`${column}: a JWT`);
        if (/\$2[aby]\$\d\d\$/.test(text)) leaks.push(`${column}: a bcrypt hash`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
