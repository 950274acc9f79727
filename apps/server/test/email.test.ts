/**
 * Email and account recovery against a real SMTP server: the API's mail goes
 * through nodemailer to an in-process smtp-server, and every link a test
 * follows is read from a message that server received. REST and tRPC alike.
 */
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import {
  type ApiServices,
  createApiServices,
  type SecurityEvent,
  type ThrottleConfig,
  type TokenPair,
} from '@repo/api';
import { createOrm, repositoriesOf } from '@repo/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../src/mailer.js';
import { linkOf, startTestSmtp } from '../src/testing-smtp.js';
import {
  apiConfig,
  fetchFrom,
  login,
  meStatus,
  PASSWORD,
  startServer,
  type TestServer,
  uniqueName,
  useTestServer,
} from './helpers.js';

const APP_URL = 'http://app.test:5173/';
const NEW_PASSWORD = 'a brand new passphrase';
const smtp = await startTestSmtp();
const events: SecurityEvent[] = [];
const config = { ...apiConfig, appUrl: APP_URL, resetRequestMinMs: 50 };
const services = createApiServices(config, {
  mailer: createSmtpMailer(smtp.url, 'Auth API <no-reply@app.test>'),
  events: (event) => events.push(event),
});
const ctx = useTestServer({ services });
afterAll(() => smtp.close());

let mailbox = 0;
function uniqueEmail(): string {
  mailbox += 1;
  return `Mailbox.${process.pid}.${mailbox}@Example.test`;
}

/** Registers with an address through REST; returns the pair and the address. */
async function registerWithEmail(server: TestServer = ctx.server, email = uniqueEmail()) {
  const username = uniqueName('mail');
  const res = await server.rest<TokenPair>('POST', '/api/auth/register', {
    body: { username, password: PASSWORD, email },
  });
  expect(res.status, res.text).toBe(200);
  return { pair: res.body, username, email };
}

/** The newest message to an address, once every send under way has finished. */
async function lastMailTo(address: string, owner: ApiServices = services) {
  await owner.email.idle();
  return smtp.to(address).at(-1);
}

/** A registered user whose address is verified through the link it received. */
async function verifiedUser(server: TestServer = ctx.server, owner: ApiServices = services) {
  const user = await registerWithEmail(server);
  const { token } = linkOf(await lastMailTo(user.email, owner));
  const res = await server.rest('POST', '/api/auth/verify-email', { body: { token } });
  expect(res.status, res.text).toBe(200);
  return user;
}

async function requestReset(email: string, server: TestServer = ctx.server) {
  return server.rest('POST', '/api/auth/password-reset', { body: { email } });
}

/** The newest verification link to an address that greets `username` (several accounts may claim one address). */
async function verifyLinkFor(address: string, username: string) {
  await services.email.idle();
  const mail = smtp
    .to(address)
    .filter((m) => m.subject === 'Confirm your email address' && m.text.startsWith(`Hello ${username},`))
    .at(-1);
  return linkOf(mail);
}

async function verify(token: string, server: TestServer = ctx.server) {
  return server.rest('POST', '/api/auth/verify-email', { body: { token } });
}

async function confirmReset(token: string, newPassword = NEW_PASSWORD) {
  return ctx.server.rest('POST', '/api/auth/password-reset/confirm', { body: { token, newPassword } });
}

async function setEmail(accessToken: string, email: string) {
  return ctx.server.rest('POST', '/api/users/me/email', {
    token: accessToken,
    body: { email, currentPassword: PASSWORD },
  });
}

async function me(accessToken: string) {
  const res = await ctx.server.rest<{ email: string | null; emailVerified: boolean; pendingEmail: string | null }>(
    'GET',
    '/api/users/me',
    { token: accessToken },
  );
  expect(res.status, res.text).toBe(200);
  return { email: res.body.email, emailVerified: res.body.emailVerified, pendingEmail: res.body.pendingEmail };
}

const DEAD_TOKEN = { code: 'BAD_REQUEST', message: 'token: is invalid, expired or already used' };

describe('an address on the account', () => {
  it('is taken at registration and verified through the link mailed to it (REST)', async () => {
    const { pair, email } = await registerWithEmail();
    const mail = await lastMailTo(email);
    expect(mail?.subject).toBe('Confirm your email address');
    expect(mail?.from).toContain('no-reply@app.test');
    const link = linkOf(mail);
    expect(link.url).toBe(`${APP_URL}#/verify-email?token=${link.token}`);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(await me(pair.accessToken)).toEqual({ email: null, emailVerified: false, pendingEmail: email });
    expect((await ctx.server.rest('POST', '/api/auth/verify-email', { body: { token: link.token } })).body).toEqual({
      success: true,
    });
    expect(await me(pair.accessToken)).toEqual({ email, emailVerified: true, pendingEmail: null });
  });

  it('is never shown to other users, in user.list or user.byId', async () => {
    const { pair, email } = await registerWithEmail();
    const other = await registerWithEmail();
    const byId = await ctx.server.rest('GET', `/api/users/${pair.user.id}`, { token: other.pair.accessToken });
    expect(byId.status).toBe(200);
    expect(byId.text).not.toContain(email);
    expect(byId.body).not.toHaveProperty('email');
    const list = await ctx.server.trpc(other.pair.accessToken).user.list.query({ limit: 100 });
    expect(JSON.stringify(list)).not.toMatch(/email/i);
  });

  it('refuses a malformed address with 400 naming email', async () => {
    const res = await ctx.server.rest('POST', '/api/auth/register', {
      body: { username: uniqueName('bad'), password: PASSWORD, email: 'not-an-address' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: expect.stringMatching(/^email: /) });
  });

  it('setEmail needs the current password, sends a link to the new address, and the old link stops working (tRPC)', async () => {
    const { pair, email } = await registerWithEmail();
    const oldLink = linkOf(await lastMailTo(email));
    const trpc = ctx.server.trpc(pair.accessToken);
    await expect(
      trpc.user.setEmail.mutate({ email: uniqueEmail(), currentPassword: 'wrong password!' }),
    ).rejects.toThrow('currentPassword: is incorrect');
    const next = uniqueEmail();
    expect(await trpc.user.setEmail.mutate({ email: next, currentPassword: PASSWORD })).toEqual({ success: true });
    expect(await trpc.user.me.query()).toMatchObject({ email: null, emailVerified: false, pendingEmail: next });
    await expect(trpc.auth.verifyEmail.mutate({ token: oldLink.token })).rejects.toThrow(
      'token: is invalid, expired or already used',
    );
    const newLink = linkOf(await lastMailTo(next));
    expect(await trpc.auth.verifyEmail.mutate({ token: newLink.token })).toEqual({ success: true });
    expect(await trpc.user.me.query()).toMatchObject({ email: next, emailVerified: true, pendingEmail: null });
  });

  it("setEmail's wrong passwords spend the login budget of the username", async () => {
    const { pair, username } = await registerWithEmail();
    const wrong = Array.from({ length: 12 }, () =>
      ctx.server.rest('POST', '/api/users/me/email', {
        token: pair.accessToken,
        body: { email: uniqueEmail(), currentPassword: 'wrong password!' },
      }),
    );
    const statuses = (await Promise.all(wrong)).map((r) => r.status);
    expect(statuses.filter((s) => s === 400)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const res = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    expect(res.status).toBe(429);
  });

  it('a verification token works once, and resend is throttled under parallel requests', async () => {
    const { pair, email } = await registerWithEmail();
    await lastMailTo(email);
    const before = smtp.to(email).length;
    const resends = await Promise.all(
      Array.from({ length: 10 }, () =>
        ctx.server.rest('POST', '/api/users/me/email/verification', { token: pair.accessToken }),
      ),
    );
    await services.email.idle();
    // Registration's mail took one of the five.
    expect(resends.filter((r) => r.status === 200)).toHaveLength(4);
    expect(resends.filter((r) => r.status === 429).every((r) => Number(r.headers.get('retry-after')) > 0)).toBe(true);
    expect(smtp.to(email).length - before).toBe(4);
    // Each resend retired the link before it: only the newest works, and once.
    const links = smtp.to(email).map(linkOf);
    const verify = (token: string) => ctx.server.rest('POST', '/api/auth/verify-email', { body: { token } });
    const results = await Promise.all(links.map((link) => verify(link.token)));
    expect(results.map((r) => r.status).filter((s) => s === 200)).toHaveLength(1);
    const refused = results.find((r) => r.status === 400);
    expect(refused?.body).toMatchObject({ message: 'token: is invalid, expired or already used' });
    expect((await verify(linkOf(smtp.to(email).at(-1))?.token ?? '')).status).toBe(400);
  });
});

describe('an address is claimed only by following its link', () => {
  it("a squatter's pending claim blocks nobody: the owner registers and sets it (no 409, the answer of a free address), and the owner's link works", async () => {
    const address = uniqueEmail();
    const squatter = await registerWithEmail(ctx.server, address);
    // Registration with the address someone holds pending answers as with a free one.
    const owner = await registerWithEmail(ctx.server, address.toUpperCase());
    const third = await registerWithEmail();
    const onPending = await setEmail(third.pair.accessToken, address.toLowerCase());
    const onFree = await setEmail(third.pair.accessToken, uniqueEmail());
    expect(onPending.status, onPending.text).toBe(200);
    expect(onPending.text).toBe(onFree.text);
    await setEmail(third.pair.accessToken, address.toLowerCase());
    expect(await me(third.pair.accessToken)).toEqual({
      email: null,
      emailVerified: false,
      pendingEmail: address.toLowerCase(),
    });

    // Each link greets its own account, and no reset link goes to a pending address.
    const ownerLink = await verifyLinkFor(address, owner.username);
    const squatterLink = await verifyLinkFor(address, squatter.username);
    expect((await verify(ownerLink.token)).status).toBe(200);
    expect(await me(owner.pair.accessToken)).toEqual({
      email: address.toUpperCase(),
      emailVerified: true,
      pendingEmail: null,
    });

    // The squatter's link (or a mail scanner opening it) now changes nothing.
    const late = await verify(squatterLink.token);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'CONFLICT', message: 'email: is already verified on another account' });
    expect((await verify(squatterLink.token)).status).toBe(409);
    expect((await me(squatter.pair.accessToken)).email).toBeNull();
    expect(await me(owner.pair.accessToken)).toMatchObject({ email: address.toUpperCase() });
    const thirdLink = await verifyLinkFor(address, third.username);
    expect((await verify(thirdLink.token)).status).toBe(409);
  });

  it('an address verified on another account gets a notice instead of a link, and the caller sees what a free address gives', async () => {
    const owner = await verifiedUser();
    const claimant = await registerWithEmail();
    const before = smtp.to(owner.email).length;
    const taken = await setEmail(claimant.pair.accessToken, owner.email.toLowerCase());
    const free = uniqueEmail();
    const other = await registerWithEmail();
    const onFree = await setEmail(other.pair.accessToken, free);
    expect(taken.status).toBe(200);
    expect(taken.text).toBe(onFree.text);
    // user.me shows the claim pending either way.
    expect(await me(claimant.pair.accessToken)).toEqual({
      email: null,
      emailVerified: false,
      pendingEmail: owner.email.toLowerCase(),
    });
    expect(await me(other.pair.accessToken)).toEqual({ email: null, emailVerified: false, pendingEmail: free });
    // Registration with it too: 200, and a notice.
    const registered = await ctx.server.rest('POST', '/api/auth/register', {
      body: { username: uniqueName('late'), password: PASSWORD, email: owner.email },
    });
    expect(registered.status).toBe(200);

    await services.email.idle();
    const notices = smtp.to(owner.email).slice(before);
    expect(notices.map((m) => m.subject)).toEqual([
      'Your email address is already in use',
      'Your email address is already in use',
    ]);
    expect(notices[0]?.text).toContain(owner.username);
    expect(notices[0]?.text).toContain(`${APP_URL}#/forgot-password`);
    expect(notices[0]?.text).not.toMatch(/token=/);
    expect(() => linkOf(notices[0])).toThrow();
    expect(linkOf(await lastMailTo(free)).screen).toBe('verify-email');
    expect(await me(owner.pair.accessToken)).toMatchObject({ email: owner.email, emailVerified: true });
  });

  it("a verified address stays the account's until a new one is verified; then the old one gets a notice and is free", async () => {
    const user = await verifiedUser();
    const next = uniqueEmail();
    expect((await setEmail(user.pair.accessToken, next)).status).toBe(200);
    expect(await me(user.pair.accessToken)).toEqual({ email: user.email, emailVerified: true, pendingEmail: next });
    // Still the address of the account: a reset link goes to it.
    await requestReset(user.email);
    expect((await lastMailTo(user.email))?.subject).toBe('Reset your password');

    expect((await verify(linkOf(await lastMailTo(next)).token)).status).toBe(200);
    expect(await me(user.pair.accessToken)).toEqual({ email: next, emailVerified: true, pendingEmail: null });
    const notice = await lastMailTo(user.email);
    expect(notice?.subject).toBe('Your email address was changed');
    expect(notice?.text).not.toMatch(/token=/);

    const successor = await registerWithEmail(ctx.server, user.email);
    expect((await verify((await verifyLinkFor(user.email, successor.username)).token)).status).toBe(200);
    expect((await me(successor.pair.accessToken)).email).toBe(user.email);
  });

  it('of two accounts following links for one address at once, exactly one wins and the other gets 409', async () => {
    for (let round = 0; round < 3; round += 1) {
      const address = uniqueEmail();
      const first = await registerWithEmail(ctx.server, address);
      const second = await registerWithEmail(ctx.server, address);
      const links = [await verifyLinkFor(address, first.username), await verifyLinkFor(address, second.username)];
      const answers = await Promise.all(links.map((link) => verify(link.token)));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const emails = [(await me(first.pair.accessToken)).email, (await me(second.pair.accessToken)).email];
      expect(emails.filter((e) => e === address)).toHaveLength(1);
      expect(emails.filter((e) => e === null)).toHaveLength(1);
    }
  });
});

describe('no stale link keeps working', () => {
  /** A verified user holding a live reset link (to its address) and a live verification link (to a pending one). */
  async function userWithLinks() {
    const user = await verifiedUser();
    const pending = uniqueEmail();
    expect((await setEmail(user.pair.accessToken, pending)).status).toBe(200);
    const verifyLink = linkOf(await lastMailTo(pending));
    await requestReset(user.email);
    const resetLink = linkOf(await lastMailTo(user.email));
    expect(resetLink.screen).toBe('reset-password');
    return { ...user, verifyToken: verifyLink.token, resetToken: resetLink.token };
  }

  async function expectDead(links: { verifyToken?: string; resetToken?: string }) {
    if (links.verifyToken) {
      const res = await verify(links.verifyToken);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(DEAD_TOKEN);
    }
    if (links.resetToken) {
      const res = await confirmReset(links.resetToken, 'the stale link must not set this');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(DEAD_TOKEN);
    }
  }

  it('setEmail retires every reset and verification link', async () => {
    const user = await userWithLinks();
    expect((await setEmail(user.pair.accessToken, uniqueEmail())).status).toBe(200);
    await expectDead(user);
    await login(ctx.server, user.username);
  });

  it('changePassword retires every reset and verification link', async () => {
    const user = await userWithLinks();
    const res = await ctx.server.rest('POST', '/api/users/me/password', {
      token: user.pair.accessToken,
      body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(res.status, res.text).toBe(200);
    await expectDead(user);
    expect((await me(user.pair.accessToken)).pendingEmail).toBeNull();
    await login(ctx.server, user.username, NEW_PASSWORD);
  });

  it('resetPassword retires the verification link too', async () => {
    const user = await userWithLinks();
    expect((await confirmReset(user.resetToken)).status).toBe(200);
    await expectDead({ verifyToken: user.verifyToken });
    await login(ctx.server, user.username, NEW_PASSWORD);
  });

  it('admin.disableUser retires every reset and verification link', async () => {
    const user = await userWithLinks();
    const admin = await registerWithEmail();
    await repositoriesOf(ctx.db.orm.em.fork()).users.nativeUpdate({ id: admin.pair.user.id }, { role: 'admin' });
    const res = await ctx.server.rest('POST', `/api/admin/users/${user.pair.user.id}/disable`, {
      token: admin.pair.accessToken,
    });
    expect(res.status, res.text).toBe(200);
    await expectDead(user);
  });

  it('a reset link mailed to verified address A dies when the account moves to B', async () => {
    const user = await verifiedUser();
    const next = uniqueEmail();
    expect((await setEmail(user.pair.accessToken, next)).status).toBe(200);
    // Asked for after the change began, while A is still the verified address.
    await requestReset(user.email);
    const resetToken = linkOf(await lastMailTo(user.email)).token;
    expect((await verify(linkOf(await lastMailTo(next)).token)).status).toBe(200);
    await expectDead({ resetToken });
    expect(await meStatus(ctx.server, user.pair.accessToken)).toBe(200);
    await login(ctx.server, user.username);
  });
});

describe('password reset', () => {
  it('answers the same for a verified, an unverified and an unknown address, and mails only the verified one', async () => {
    const verified = await verifiedUser();
    const unverified = await registerWithEmail();
    const unknown = uniqueEmail();
    await services.email.idle();
    const sentBefore = smtp.messages.length;
    const answers = await Promise.all([verified.email, unverified.email, unknown].map((email) => requestReset(email)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(answers[0]?.text);
    }
    expect(answers[0]?.body).toEqual({ success: true });
    await services.email.idle();
    const sent = smtp.messages.slice(sentBefore);
    expect(sent.map((m) => m.to.toLowerCase())).toEqual([verified.email.toLowerCase()]);
    expect(sent[0]?.subject).toBe('Reset your password');
    expect(linkOf(sent[0]).url).toMatch(/^http:\/\/app\.test:5173\/#\/reset-password\?token=/);
  });

  it('sets the new password, ends every session, and the token works once (REST)', async () => {
    const { pair, username, email } = await verifiedUser();
    const second = await login(ctx.server, username);
    // The address matches without regard to case.
    expect((await requestReset(email.toUpperCase())).status).toBe(200);
    const { token } = linkOf(await lastMailTo(email));
    const res = await ctx.server.rest('POST', '/api/auth/password-reset/confirm', {
      body: { token, newPassword: NEW_PASSWORD },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(await meStatus(ctx.server, pair.accessToken)).toBe(401);
    expect(await meStatus(ctx.server, second.accessToken)).toBe(401);
    const refresh = await ctx.server.rest('POST', '/api/auth/refresh', { body: { refreshToken: pair.refreshToken } });
    expect(refresh.status).toBe(401);
    const oldPassword = await ctx.server.rest('POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    expect(oldPassword.status).toBe(401);
    await login(ctx.server, username, NEW_PASSWORD);
    const again = await ctx.server.rest('POST', '/api/auth/password-reset/confirm', {
      body: { token, newPassword: 'yet another passphrase' },
    });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'BAD_REQUEST', message: 'token: is invalid, expired or already used' });
  });

  it('a newer request retires the older link (tRPC)', async () => {
    const { username, email } = await verifiedUser();
    const trpc = ctx.server.trpc();
    await trpc.auth.requestPasswordReset.mutate({ email });
    const first = linkOf(await lastMailTo(email));
    await trpc.auth.requestPasswordReset.mutate({ email });
    const second = linkOf(await lastMailTo(email));
    expect(second.token).not.toBe(first.token);
    await expect(trpc.auth.resetPassword.mutate({ token: first.token, newPassword: NEW_PASSWORD })).rejects.toThrow(
      'token: is invalid, expired or already used',
    );
    expect(await trpc.auth.resetPassword.mutate({ token: second.token, newPassword: NEW_PASSWORD })).toEqual({
      success: true,
    });
    await login(ctx.server, username, NEW_PASSWORD);
  });

  it('refuses a new password that registration would refuse, and keeps the token', async () => {
    const { email } = await verifiedUser();
    await requestReset(email);
    const { token } = linkOf(await lastMailTo(email));
    const weak = await ctx.server.rest('POST', '/api/auth/password-reset/confirm', {
      body: { token, newPassword: 'short' },
    });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ message: expect.stringMatching(/^newPassword: /) });
    const ok = await ctx.server.rest('POST', '/api/auth/password-reset/confirm', {
      body: { token, newPassword: NEW_PASSWORD },
    });
    expect(ok.status).toBe(200);
  });

  it('of two parallel resets with one token, and of two in one tRPC batch, exactly one succeeds', async () => {
    const { email } = await verifiedUser();
    await requestReset(email);
    const { token } = linkOf(await lastMailTo(email));
    const confirm = (newPassword: string) =>
      ctx.server.rest('POST', '/api/auth/password-reset/confirm', { body: { token, newPassword } });
    const statuses = (await Promise.all([confirm('first new passphrase'), confirm('second new passphrase')])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 400]);

    await requestReset(email);
    const batched = linkOf(await lastMailTo(email)).token;
    const trpc = ctx.server.trpc();
    const results = await Promise.allSettled([
      trpc.auth.resetPassword.mutate({ token: batched, newPassword: 'third new passphrase' }),
      trpc.auth.resetPassword.mutate({ token: batched, newPassword: 'fourth new passphrase' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  /** A server of its own (its own budgets), so a test's spending is its alone. */
  async function isolatedServer(throttle: Partial<ThrottleConfig>) {
    const owner = createApiServices(
      { ...config, throttle },
      { mailer: createSmtpMailer(smtp.url, 'Auth API <no-reply@app.test>'), events: (event) => events.push(event) },
    );
    const server = await startServer({ orm: ctx.db.orm, services: owner });
    return { server, owner };
  }

  it('30 parallel requests for one address: 429 past the asking client budget, and at most the per-email budget of mails', async () => {
    const { server, owner } = await isolatedServer({ maxMailsPerRecipient: 100 });
    try {
      const { email } = await verifiedUser(server, owner);
      const before = smtp.to(email).length;
      const answers = await Promise.all(Array.from({ length: 30 }, () => requestReset(email, server)));
      await owner.email.idle();
      expect(answers.filter((r) => r.status === 200)).toHaveLength(20);
      const throttled = answers.filter((r) => r.status === 429);
      expect(throttled).toHaveLength(10);
      expect(Number(throttled[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(smtp.to(email).length - before).toBe(5);
      // Of the five links, only the newest is live.
      const links = smtp.to(email).slice(before).map(linkOf);
      const confirms = await Promise.all(
        links.map((link) =>
          server.rest('POST', '/api/auth/password-reset/confirm', {
            body: { token: link.token, newPassword: NEW_PASSWORD },
          }),
        ),
      );
      expect(confirms.filter((r) => r.status === 200)).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('links for many accounts at once: each answered, mailed, and recorded with its link in one transaction', async () => {
    const { server, owner } = await isolatedServer({ maxRegistrationsPerAddress: 100 });
    try {
      const verified = [];
      const bare = [];
      for (let i = 0; i < 8; i += 1) verified.push(await verifiedUser(server, owner));
      // Accounts with no link yet: on MySQL, their first link goes into a gap of the index that
      // neighbours share.
      for (let i = 0; i < 8; i += 1) {
        const res = await server.rest<TokenPair>('POST', '/api/auth/register', {
          body: { username: uniqueName('bare'), password: PASSWORD },
        });
        expect(res.status, res.text).toBe(200);
        bare.push({ pair: res.body, email: uniqueEmail() });
      }
      const claim = (user: { pair: TokenPair }, email: string) =>
        server.rest('POST', '/api/users/me/email', {
          token: user.pair.accessToken,
          body: { email, currentPassword: PASSWORD },
        });
      // A reset link and a new claim for every verified account, and a first claim for every
      // other, all at once: thirty-two transactions writing one table, none may deadlock.
      const answers = await Promise.all([
        ...verified.map((user) => requestReset(user.email, server)),
        ...verified.map((user) => claim(user, uniqueEmail())),
        ...bare.map((user) => claim(user, user.email)),
      ]);
      expect(answers.map((answer) => `${answer.status} ${answer.text}`)).toEqual(
        answers.map(() => '200 {"success":true}'),
      );
      await owner.email.idle();
      const audit = repositoriesOf(ctx.db.orm.em.fork()).auditEvents;
      const typesAbout = async (userId: string) => (await audit.find({ userId })).map((row) => row.type);
      for (const user of verified) {
        expect(smtp.to(user.email).at(-1)?.subject).toBe('Reset your password');
        const types = await typesAbout(user.pair.user.id);
        expect(types.filter((type) => type === 'password_reset.requested')).toHaveLength(1);
        // At registration, and for the new claim.
        expect(types.filter((type) => type === 'email.verification_sent')).toHaveLength(2);
      }
      for (const user of bare) {
        expect(smtp.to(user.email).at(-1)?.subject).toBe('Confirm your email address');
        expect((await typesAbout(user.pair.user.id)).filter((type) => type === 'email.verification_sent')).toHaveLength(
          1,
        );
      }
    } finally {
      await server.close();
    }
  });

  it("a stranger's reset requests for the owner's address never get the owner a 429", async () => {
    const { server, owner } = await isolatedServer({});
    try {
      const { email } = await verifiedUser(server, owner);
      const stranger = fetchFrom('127.0.4.1');
      const ask = (from: typeof fetch) =>
        from(`${server.baseUrl}/api/auth/password-reset`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        });
      const strangers = await Promise.all(Array.from({ length: 5 }, () => ask(stranger)));
      expect(strangers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const answer = await ask(fetchFrom('127.0.4.2'));
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual(await strangers[0]?.json());
      await owner.email.idle();
      // Five messages in all to that mailbox: the verification link and four reset links.
      expect(smtp.to(email)).toHaveLength(5);
      // An unknown address is answered the same.
      expect((await ask(fetchFrom('127.0.4.3'))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('sends at most THROTTLE_MAIL_PER_RECIPIENT messages to one mailbox, every kind together; every request is answered as usual', async () => {
    const { server, owner } = await isolatedServer({ maxResetRequestsPerEmail: 100 });
    try {
      const { email, pair } = await verifiedUser(server, owner);
      const answers = await Promise.all(Array.from({ length: 8 }, () => requestReset(email, server)));
      expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
      await owner.email.idle();
      // The verification link and four of the eight reset links; the other four are dropped, and said so.
      expect(smtp.to(email)).toHaveLength(5);
      const suppressed = events.filter((event) => event.type === 'email.suppressed' && event.userId === pair.user.id);
      expect(suppressed).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it('the per-client budget holds across addresses, known and unknown alike', async () => {
    const isolated = await startServer({
      orm: ctx.db.orm,
      services: createApiServices(
        { ...config, throttle: { ...config.throttle, maxResetRequestsPerAddress: 6 } },
        { mailer: createSmtpMailer(smtp.url, 'Auth API <no-reply@app.test>') },
      ),
    });
    try {
      const answers = await Promise.all(Array.from({ length: 15 }, () => requestReset(uniqueEmail(), isolated)));
      expect(answers.filter((r) => r.status === 200)).toHaveLength(6);
      expect(answers.filter((r) => r.status === 429)).toHaveLength(9);
    } finally {
      await isolated.close();
    }
  });

  it('never puts a token in a log line or a security event', async () => {
    const { email } = await verifiedUser();
    await requestReset(email);
    const { token } = linkOf(await lastMailTo(email));
    await ctx.server.rest('POST', '/api/auth/password-reset/confirm', { body: { token, newPassword: NEW_PASSWORD } });
    // Notices (address in use, address changed) carry no token.
    for (const mail of smtp.messages.filter((m) => /token=/.test(m.text))) {
      const mailed = linkOf(mail).token;
      expect(ctx.server.logLines.join('\n')).not.toContain(mailed);
      expect(JSON.stringify(events)).not.toContain(mailed);
    }
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['password_reset.requested', 'password_reset.completed', 'email.verified']),
    );
  });
});

describe('expiry', () => {
  let offsetMs = 0;
  let clocked: TestServer;
  const clockedServices = createApiServices(config, {
    mailer: createSmtpMailer(smtp.url, 'Auth API <no-reply@app.test>'),
    now: () => new Date(Date.now() + offsetMs),
  });
  beforeAll(async () => {
    clocked = await startServer({ orm: ctx.db.orm, services: clockedServices });
  });
  afterAll(() => clocked.close());

  it('a reset link expires after 30 minutes', async () => {
    offsetMs = 0;
    const { email } = await verifiedUser(clocked, clockedServices);
    await requestReset(email, clocked);
    const { token } = linkOf(await lastMailTo(email, clockedServices));
    offsetMs = 31 * 60_000;
    const res = await clocked.rest('POST', '/api/auth/password-reset/confirm', {
      body: { token, newPassword: NEW_PASSWORD },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'token: is invalid, expired or already used' });
    offsetMs = 0;
  });

  it('a verification link works for 24 hours, not longer', async () => {
    offsetMs = 0;
    const first = await registerWithEmail(clocked);
    const second = await registerWithEmail(clocked);
    const firstToken = linkOf(await lastMailTo(first.email, clockedServices)).token;
    const secondToken = linkOf(await lastMailTo(second.email, clockedServices)).token;
    offsetMs = 23 * 3_600_000;
    expect((await clocked.rest('POST', '/api/auth/verify-email', { body: { token: firstToken } })).status).toBe(200);
    offsetMs = 25 * 3_600_000;
    expect((await clocked.rest('POST', '/api/auth/verify-email', { body: { token: secondToken } })).status).toBe(400);
    offsetMs = 0;
  });
});

describe('two instances on one database', () => {
  let secondOrm: MikroORM;
  let other: TestServer;
  const otherServices = createApiServices(config, {
    mailer: createSmtpMailer(smtp.url, 'Auth API <no-reply@app.test>'),
  });
  beforeAll(async () => {
    secondOrm = await createOrm({ url: ctx.db.url, rootDir: tmpdir(), quiet: true });
    other = await startServer({ orm: secondOrm, services: otherServices });
  });
  afterAll(async () => {
    await other.close();
    await secondOrm.close(true);
  });

  it('a reset on one instance ends the sessions signed in on both', async () => {
    const { pair, username, email } = await verifiedUser();
    const onOther = await login(other, username);
    expect(await meStatus(other, onOther.accessToken)).toBe(200);
    await requestReset(email, other);
    const { token } = linkOf(await lastMailTo(email, otherServices));
    const res = await other.rest('POST', '/api/auth/password-reset/confirm', {
      body: { token, newPassword: NEW_PASSWORD },
    });
    expect(res.status).toBe(200);
    for (const server of [ctx.server, other]) {
      expect(await meStatus(server, pair.accessToken)).toBe(401);
      expect(await meStatus(server, onOther.accessToken)).toBe(401);
    }
    await login(ctx.server, username, NEW_PASSWORD);
  });
});

describe('without a mail server', () => {
  it('in production (no mailer): the email procedures answer 503 and everything else works', async () => {
    const noMail = await startServer({ orm: ctx.db.orm, services: createApiServices(config) });
    try {
      const res = await noMail.rest<TokenPair>('POST', '/api/auth/register', {
        body: { username: uniqueName('nomail'), password: PASSWORD, email: uniqueEmail() },
      });
      expect(res.status).toBe(200);
      const token = res.body.accessToken;
      const calls = [
        noMail.rest('POST', '/api/auth/password-reset', { body: { email: uniqueEmail() } }),
        noMail.rest('POST', '/api/auth/password-reset/confirm', {
          body: { token: 'x'.repeat(43), newPassword: NEW_PASSWORD },
        }),
        noMail.rest('POST', '/api/auth/verify-email', { body: { token: 'x'.repeat(43) } }),
        noMail.rest('POST', '/api/users/me/email', {
          token,
          body: { email: uniqueEmail(), currentPassword: PASSWORD },
        }),
        noMail.rest('POST', '/api/users/me/email/verification', { token }),
      ];
      for (const answer of await Promise.all(calls)) {
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({
          code: 'SERVICE_UNAVAILABLE',
          message: expect.stringMatching(/Email is not configured/),
        });
      }
      expect(await meStatus(noMail, token)).toBe(200);
    } finally {
      await noMail.close();
    }
  });

  it('a failed send is reported as a security event without the message, and the answer does not wait for it', async () => {
    const failures: SecurityEvent[] = [];
    // A mail server that accepts the connection and never says a word.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const stuck = createApiServices(config, {
      mailer: createSmtpMailer(`smtp://u:p@127.0.0.1:${port}`, 'Auth API <no-reply@app.test>', {
        greetingTimeout: 500,
        connectionTimeout: 500,
        socketTimeout: 500,
      }),
      events: (event) => failures.push(event),
    });
    const server = await startServer({ orm: ctx.db.orm, services: stuck });
    try {
      const { email } = await verifiedUser();
      const res = await requestReset(email, server);
      expect(res.status).toBe(200);
      // Answered while the send was still waiting for the greeting.
      expect(failures.filter((e) => e.type === 'email.send_failed')).toEqual([]);
      await stuck.email.idle();
      const failed = failures.filter((e) => e.type === 'email.send_failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ purpose: 'reset_password', reason: expect.any(String) });
      expect(JSON.stringify(failed)).not.toMatch(/token=/);
    } finally {
      await server.close();
      silent.close();
    }
  });
});
