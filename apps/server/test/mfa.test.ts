/**
 * The second factor and the list of sessions (API.md "Second factor,
 * passkeys and sessions"), over real HTTP: REST and tRPC, on the test
 * project's database. TOTP steps come from an injected clock (the services
 * take `now`), so no test waits for one to pass; codes are computed here
 * from the secret the setup answered, with otpauth, as an authenticator app would.
 */
import { type ApiServices, createApiServices, type SecurityEvent, type TokenPair } from '@repo/api';
import { Secret, TOTP } from 'otpauth';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../src/mailer.js';
import { linkOf, startTestSmtp } from '../src/testing-smtp.js';
import { apiConfig, PASSWORD, register, type TestServer, uniqueName, useTestServer } from './helpers.js';

const STEP_MS = 30_000;
const smtp = await startTestSmtp();
const events: SecurityEvent[] = [];
/** The services' clock: moved on by whole TOTP steps, never waited for. */
let clock = Date.now();
const services: ApiServices = createApiServices(
  // A roomy per-address budget: every test speaks from 127.0.0.1; the per-username budgets are the defaults.
  { ...apiConfig, throttle: { ...apiConfig.throttle, maxFailuresPerAddress: 10_000 } },
  {
    mailer: createSmtpMailer(smtp.url, 'Auth API <no-reply@app.test>'),
    events: (event) => events.push(event),
    now: () => new Date(clock),
  },
);
const ctx = useTestServer({ services });
afterAll(() => smtp.close());

/** The code an authenticator app shows `offsetSteps` steps from the services' clock. */
function codeAt(secret: string, offsetSteps = 0): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: clock + offsetSteps * STEP_MS,
  });
}

/** Moves the clock to a later step, so the next code is a new one. */
function nextStep(steps = 1): void {
  clock += steps * STEP_MS;
}

interface Enrolled {
  username: string;
  pair: TokenPair;
  secret: string;
  recoveryCodes: string[];
}

async function setUp(server: TestServer, pair: TokenPair) {
  const setup = await server.rest<{ secret: string; otpauthUrl: string }>('POST', '/api/users/me/mfa/totp/setup', {
    token: pair.accessToken,
    body: { currentPassword: PASSWORD },
  });
  expect(setup.status, setup.text).toBe(200);
  return setup.body;
}

/** A new user with TOTP on (enrolled through REST). */
async function enrolled(username = uniqueName('mfa'), server: TestServer = ctx.server): Promise<Enrolled> {
  const pair = await register(server, username);
  return { username, pair, ...(await enrol(pair, server)) };
}

async function enrol(pair: TokenPair, server: TestServer = ctx.server) {
  const { secret } = await setUp(server, pair);
  const confirm = await server.rest<{ recoveryCodes: string[] }>('POST', '/api/users/me/mfa/totp/confirm', {
    token: pair.accessToken,
    body: { code: codeAt(secret) },
  });
  expect(confirm.status, confirm.text).toBe(200);
  nextStep();
  return { secret, recoveryCodes: confirm.body.recoveryCodes };
}

type LoginAnswer = { mfaRequired: true; mfaToken: string; methods: string[] } | TokenPair;

async function passwordStep(username: string, password = PASSWORD, headers: Record<string, string> = {}) {
  return ctx.server.rest<LoginAnswer>('POST', '/api/auth/login', { body: { username, password }, headers });
}

async function mfaTokenOf(username: string): Promise<string> {
  const res = await passwordStep(username);
  expect(res.status, res.text).toBe(200);
  if (!('mfaRequired' in res.body)) throw new Error('expected the second-factor step');
  return res.body.mfaToken;
}

function verifyMfa(body: Record<string, string>, headers: Record<string, string> = {}) {
  return ctx.server.rest<TokenPair>('POST', '/api/auth/mfa', { body, headers });
}

/** A user with a verified address (through its link), signed in. */
async function verifiedUser() {
  const username = uniqueName('mfamail');
  const email = `${username}@example.test`;
  const res = await ctx.server.rest<TokenPair>('POST', '/api/auth/register', {
    body: { username, password: PASSWORD, email },
  });
  expect(res.status, res.text).toBe(200);
  await services.email.idle();
  const { token } = linkOf(smtp.to(email).at(-1));
  expect((await ctx.server.rest('POST', '/api/auth/verify-email', { body: { token } })).status).toBe(200);
  return { username, email, pair: res.body };
}

async function subjectsTo(email: string): Promise<string[]> {
  await services.email.idle();
  return smtp.to(email).map((mail) => mail.subject);
}

describe('TOTP enrolment', () => {
  it('answers a 160-bit secret and its otpauth URL, and changes nothing at sign-in until a code confirms it', async () => {
    const username = uniqueName('mfa');
    const pair = await register(ctx.server, username);
    const { secret, otpauthUrl } = await setUp(ctx.server, pair);
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(otpauthUrl).toContain(`secret=${secret}`);
    expect(otpauthUrl).toContain('algorithm=SHA1');
    expect(otpauthUrl).toContain('digits=6');
    expect(otpauthUrl).toContain('period=30');
    // Pending: the password alone still signs in.
    expect((await passwordStep(username)).body).toHaveProperty('accessToken');
    const status = await ctx.server.rest('GET', '/api/users/me/mfa', { token: pair.accessToken });
    expect(status.body).toEqual({ totp: false, recoveryCodesLeft: 0 });
  });

  it('stores the secret encrypted, never as the base32 text', async () => {
    const { pair, secret } = await enrolled();
    const { repositoriesOf } = await import('@repo/db');
    const row = await repositoriesOf(ctx.db.orm.em.fork()).totpCredentials.findOfUser(pair.user.id);
    expect(row?.encryptedSecret).toMatch(/^v1\./);
    expect(row?.encryptedSecret).not.toContain(secret);
  });

  it('turns TOTP on with a valid code and answers ten recovery codes of 128 bits, shown once', async () => {
    const { pair, recoveryCodes } = await enrolled();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code.replace(/-/g, '')).toMatch(/^[0-9a-f]{32}$/);
    const status = await ctx.server.rest('GET', '/api/users/me/mfa', { token: pair.accessToken });
    expect(status.body).toEqual({ totp: true, recoveryCodesLeft: 10 });
  });

  it('refuses a wrong confirmation code with 400 naming code, and a wrong password with 400 naming currentPassword', async () => {
    const pair = await register(ctx.server);
    const wrongPassword = await ctx.server.rest<{ data: { field: string } }>('POST', '/api/users/me/mfa/totp/setup', {
      token: pair.accessToken,
      body: { currentPassword: 'not the password' },
    });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.data.field).toBe('currentPassword');
    const { secret } = await setUp(ctx.server, pair);
    const wrong = await ctx.server.rest<{ data: { field: string } }>('POST', '/api/users/me/mfa/totp/confirm', {
      token: pair.accessToken,
      body: { code: codeAt(secret, 5) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.data.field).toBe('code');
  });

  it('answers every one of five setups sent at once with a pending secret: the last stored is the one a code confirms', async () => {
    const pair = await register(ctx.server);
    const setups = await Promise.all(
      Array.from({ length: 5 }, () =>
        ctx.server.rest<{ secret: string }>('POST', '/api/users/me/mfa/totp/setup', {
          token: pair.accessToken,
          body: { currentPassword: PASSWORD },
        }),
      ),
    );
    expect(setups.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    const confirmed = await Promise.all(
      setups.map(
        async (setup) =>
          (
            await ctx.server.rest('POST', '/api/users/me/mfa/totp/confirm', {
              token: pair.accessToken,
              body: { code: codeAt(setup.body.secret) },
            })
          ).status,
      ),
    );
    expect(confirmed.filter((status) => status === 200)).toHaveLength(1);
    nextStep();
  });

  it('answers 409 to a second setup while TOTP is on', async () => {
    const { pair } = await enrolled();
    const again = await ctx.server.rest('POST', '/api/users/me/mfa/totp/setup', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD },
    });
    expect(again.status).toBe(409);
  });
});

describe('sign-in with a second factor', () => {
  it('answers the password step with mfaRequired, an mfaToken and the methods, and no tokens (REST)', async () => {
    const { username } = await enrolled();
    const res = await passwordStep(username);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp', 'recovery'] });
    expect(res.text).not.toMatch(/accessToken|refreshToken/);
  });

  it('answers the token pair to the right code, and 401 with no tokens to a wrong one (REST)', async () => {
    const { username, secret } = await enrolled();
    const mfaToken = await mfaTokenOf(username);
    const wrong = await verifyMfa({ mfaToken, code: codeAt(secret, 9) });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toMatch(/accessToken/);
    const right = await verifyMfa({ mfaToken, code: codeAt(secret) });
    expect(right.status, right.text).toBe(200);
    expect(right.body.user.username).toBe(username);
    expect((await ctx.server.rest('GET', '/api/users/me', { token: right.body.accessToken })).status).toBe(200);
    nextStep();
  });

  it('signs in over tRPC: login answers the union, verifyMfa the pair', async () => {
    const { username, secret } = await enrolled();
    const trpc = ctx.server.trpc();
    const answer = await trpc.auth.login.mutate({ username, password: PASSWORD });
    if (!('mfaRequired' in answer)) throw new Error('expected the second-factor step');
    expect(answer.methods).toEqual(['totp', 'recovery']);
    const pair = await trpc.auth.verifyMfa.mutate({ mfaToken: answer.mfaToken, code: codeAt(secret) });
    expect(pair.user.username).toBe(username);
    await expect(ctx.server.trpc(pair.accessToken).user.me.query()).resolves.toMatchObject({ username });
    nextStep();
  });

  it('sets no cookie at the password step in cookie mode, and sets it when the code is verified', async () => {
    const { username, secret } = await enrolled();
    const cookieMode = { 'x-session-mode': 'cookie' };
    const step = await passwordStep(username, PASSWORD, cookieMode);
    expect(step.status).toBe(200);
    expect(step.headers.get('set-cookie')).toBeNull();
    if (!('mfaRequired' in step.body)) throw new Error('expected the second-factor step');
    const done = await verifyMfa({ mfaToken: step.body.mfaToken, code: codeAt(secret) }, cookieMode);
    expect(done.status, done.text).toBe(200);
    expect(done.headers.get('set-cookie')).toMatch(/refresh_token=.+HttpOnly/i);
    expect(done.body).not.toHaveProperty('refreshToken');
    nextStep();
  });

  it('accepts a code once: the same code replayed in its window is refused', async () => {
    const { username, secret } = await enrolled();
    const code = codeAt(secret);
    expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), code })).status).toBe(200);
    expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), code })).status).toBe(401);
    nextStep();
    expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), code: codeAt(secret) })).status).toBe(200);
    nextStep();
  });

  // Four sign-ins: each takes two attempts (password and code) of the username-and-address budget of 10.
  it('accepts one code of the same step sent by four sign-ins at once exactly once', async () => {
    const { username, secret } = await enrolled();
    const tokens = await Promise.all(Array.from({ length: 4 }, () => mfaTokenOf(username)));
    const code = codeAt(secret);
    const statuses = await Promise.all(tokens.map(async (mfaToken) => (await verifyMfa({ mfaToken, code })).status));
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    nextStep();
  });

  it('accepts one step of drift either way, and refuses two', async () => {
    const { username, secret } = await enrolled();
    // Past the step the confirmation used, so that the step before now is a fresh one.
    nextStep(2);
    for (const offset of [2, -2]) {
      expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), code: codeAt(secret, offset) })).status).toBe(
        401,
      );
    }
    // -1 first: after a step is accepted, only later steps are.
    expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), code: codeAt(secret, -1) })).status).toBe(200);
    expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), code: codeAt(secret, 1) })).status).toBe(200);
    nextStep(3);
  });

  it('kills the mfaToken after 5 wrong codes: the right one is then refused too', async () => {
    const { username, secret } = await enrolled();
    const mfaToken = await mfaTokenOf(username);
    for (let i = 0; i < 5; i++) expect((await verifyMfa({ mfaToken, code: codeAt(secret, 10 + i) })).status).toBe(401);
    expect((await verifyMfa({ mfaToken, code: codeAt(secret) })).status).toBe(401);
    // A new password step gets a new token that works.
    expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), code: codeAt(secret) })).status).toBe(200);
    nextStep();
  });

  it('works once: the mfaToken of a finished sign-in is refused', async () => {
    const { username, secret } = await enrolled();
    const mfaToken = await mfaTokenOf(username);
    expect((await verifyMfa({ mfaToken, code: codeAt(secret) })).status).toBe(200);
    nextStep();
    expect((await verifyMfa({ mfaToken, code: codeAt(secret) })).status).toBe(401);
  });

  it('lives 5 minutes', async () => {
    const { username, secret } = await enrolled();
    const mfaToken = await mfaTokenOf(username);
    nextStep(11);
    expect((await verifyMfa({ mfaToken, code: codeAt(secret) })).status).toBe(401);
  });

  it('counts wrong codes sent at once before checking them: 20 at once, at most 5 checked, and all against the login budget', async () => {
    const { username, secret } = await enrolled();
    const mfaToken = await mfaTokenOf(username);
    const checkedBefore = events.filter((e) => e.type === 'mfa.failed').length;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await verifyMfa({ mfaToken, code: codeAt(secret, 20 + i) })).status),
    );
    // The username-and-address budget (10) had one attempt taken by the password step.
    expect(statuses.filter((status) => status === 429)).toHaveLength(11);
    expect(statuses.filter((status) => status === 401)).toHaveLength(9);
    expect(events.filter((e) => e.type === 'mfa.failed').length - checkedBefore).toBe(5);
    // The budget is spent for this username from this address: even the right password waits.
    const after = await passwordStep(username);
    expect(after.status).toBe(429);
    expect(after.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('clears no failures at the password step alone: only a verified factor does', async () => {
    const { username, secret } = await enrolled();
    for (let i = 0; i < 8; i++) expect((await passwordStep(username, `wrong password ${i}`)).status).toBe(401);
    // 9th and 10th attempts: right passwords, which must not reset the 8 failures.
    await mfaTokenOf(username);
    const mfaToken = await mfaTokenOf(username);
    expect((await passwordStep(username)).status).toBe(429);
    // The factor cannot be tried either (the budget is spent)...
    expect((await verifyMfa({ mfaToken, code: codeAt(secret) })).status).toBe(429);
  });

  it('clears the failures once the factor is verified', async () => {
    const { username, secret } = await enrolled();
    for (let i = 0; i < 7; i++) expect((await passwordStep(username, `wrong password ${i}`)).status).toBe(401);
    const mfaToken = await mfaTokenOf(username);
    expect((await verifyMfa({ mfaToken, code: codeAt(secret) })).status).toBe(200);
    nextStep();
    for (let i = 0; i < 9; i++) expect((await passwordStep(username, `wrong password ${i}`)).status).toBe(401);
  });

  it('never lets a password reset skip the factor', async () => {
    const { username, email, pair } = await verifiedUser();
    const { secret } = await enrol(pair);
    expect((await ctx.server.rest('POST', '/api/auth/password-reset', { body: { email } })).status).toBe(200);
    await services.email.idle();
    const { token } = linkOf(smtp.to(email).find((mail) => mail.subject === 'Reset your password'));
    const reset = await ctx.server.rest('POST', '/api/auth/password-reset/confirm', {
      body: { token, newPassword: 'a brand new passphrase' },
    });
    expect(reset.status, reset.text).toBe(200);
    const after = await passwordStep(username, 'a brand new passphrase');
    expect(after.body).toMatchObject({ mfaRequired: true });
    if (!('mfaRequired' in after.body)) throw new Error('expected the second-factor step');
    expect((await verifyMfa({ mfaToken: after.body.mfaToken, code: codeAt(secret) })).status).toBe(200);
    nextStep();
  });
});

describe('recovery codes', () => {
  it('signs in with a recovery code once: the same code is refused the second time', async () => {
    const { username, recoveryCodes } = await enrolled();
    const [code] = recoveryCodes as [string];
    // Letter case and spaces do not matter, as a person types it.
    const first = await verifyMfa({ mfaToken: await mfaTokenOf(username), recoveryCode: ` ${code.toUpperCase()} ` });
    expect(first.status, first.text).toBe(200);
    expect((await verifyMfa({ mfaToken: await mfaTokenOf(username), recoveryCode: code })).status).toBe(401);
    const status = await ctx.server.rest('GET', '/api/users/me/mfa', { token: first.body.accessToken });
    expect(status.body).toEqual({ totp: true, recoveryCodesLeft: 9 });
  });

  it('spends one recovery code sent by four sign-ins at once exactly once', async () => {
    const { username, recoveryCodes } = await enrolled();
    const tokens = await Promise.all(Array.from({ length: 4 }, () => mfaTokenOf(username)));
    const statuses = await Promise.all(
      tokens.map(async (mfaToken) => (await verifyMfa({ mfaToken, recoveryCode: recoveryCodes[0] ?? '' })).status),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
  });

  it('regenerating retires the old set (password and code required; a wrong code is 400 naming code)', async () => {
    const { username, pair, secret, recoveryCodes } = await enrolled();
    const wrong = await ctx.server.rest<{ data: { field: string } }>('POST', '/api/users/me/mfa/recovery-codes', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD, code: codeAt(secret, 7) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.data.field).toBe('code');
    const fresh = await ctx.server.rest<{ recoveryCodes: string[] }>('POST', '/api/users/me/mfa/recovery-codes', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD, code: codeAt(secret) },
    });
    expect(fresh.status, fresh.text).toBe(200);
    nextStep();
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    expect(
      (await verifyMfa({ mfaToken: await mfaTokenOf(username), recoveryCode: recoveryCodes[1] ?? '' })).status,
    ).toBe(401);
    expect(
      (await verifyMfa({ mfaToken: await mfaTokenOf(username), recoveryCode: fresh.body.recoveryCodes[0] ?? '' }))
        .status,
    ).toBe(200);
  });
});

describe('turning TOTP off', () => {
  it('needs the password and a code (a wrong code is 400 naming code); then sign-in asks for the password only', async () => {
    const { username, pair, secret } = await enrolled();
    const wrongCode = await ctx.server.rest<{ data: { field: string } }>('POST', '/api/users/me/mfa/disable', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD, code: codeAt(secret, 4) },
    });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body.data.field).toBe('code');
    const wrongPassword = await ctx.server.rest<{ data: { field: string } }>('POST', '/api/users/me/mfa/disable', {
      token: pair.accessToken,
      body: { currentPassword: 'not the password', code: codeAt(secret) },
    });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.data.field).toBe('currentPassword');
    const off = await ctx.server.rest('POST', '/api/users/me/mfa/disable', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD, code: codeAt(secret) },
    });
    expect(off.status, off.text).toBe(200);
    nextStep();
    expect((await passwordStep(username)).body).toHaveProperty('accessToken');
    expect((await ctx.server.rest('GET', '/api/users/me/mfa', { token: pair.accessToken })).body).toEqual({
      totp: false,
      recoveryCodesLeft: 0,
    });
  });

  it('over tRPC too, with a recovery code in place of a lost device', async () => {
    const { username, pair, recoveryCodes } = await enrolled();
    await ctx.server
      .trpc(pair.accessToken)
      .mfa.disable.mutate({ currentPassword: PASSWORD, code: recoveryCodes[0] ?? '' });
    expect((await passwordStep(username)).body).toHaveProperty('accessToken');
  });
});

describe('notices', () => {
  it('mails the verified address when TOTP is turned on, a recovery code is used, codes are regenerated, and TOTP is turned off', async () => {
    const { username, email, pair } = await verifiedUser();
    const { secret, recoveryCodes } = await enrol(pair);
    expect(await subjectsTo(email)).toContain('Two-step sign-in is on');
    const signedIn = await verifyMfa({ mfaToken: await mfaTokenOf(username), recoveryCode: recoveryCodes[0] ?? '' });
    expect(signedIn.status).toBe(200);
    expect(await subjectsTo(email)).toContain('A recovery code was used');
    const regenerated = await ctx.server.rest('POST', '/api/users/me/mfa/recovery-codes', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD, code: codeAt(secret) },
    });
    expect(regenerated.status).toBe(200);
    nextStep();
    expect(await subjectsTo(email)).toContain('New recovery codes');
    const off = await ctx.server.rest('POST', '/api/users/me/mfa/disable', {
      token: pair.accessToken,
      body: { currentPassword: PASSWORD, code: codeAt(secret) },
    });
    expect(off.status).toBe(200);
    nextStep();
    expect(await subjectsTo(email)).toContain('Two-step sign-in is off');
    for (const mail of smtp.to(email)) {
      expect(mail.text).not.toContain(secret);
      for (const code of recoveryCodes) expect(mail.text).not.toContain(code);
    }
  });
});

describe('sessions', () => {
  it('lists the live sessions with their user agent, the caller marked current', async () => {
    const username = uniqueName('devices');
    const first = await register(ctx.server, username);
    const second = await ctx.server.rest<TokenPair>('POST', '/api/auth/login', {
      body: { username, password: PASSWORD },
      headers: { 'user-agent': `Phone/1.0 ${'x'.repeat(400)}` },
    });
    const list = await ctx.server.rest<
      { id: string; current: boolean; userAgent: string | null; createdAt: string; lastUsedAt: string }[]
    >('GET', '/api/users/me/sessions', { token: first.accessToken });
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(2);
    expect(list.body.filter((session) => session.current)).toHaveLength(1);
    const phone = list.body.find((session) => session.userAgent?.startsWith('Phone/1.0'));
    expect(phone?.current).toBe(false);
    // Capped: a header of any length is kept to its first 255 characters.
    expect(phone?.userAgent).toHaveLength(255);
    expect(Date.parse(phone?.createdAt ?? '')).not.toBeNaN();
    // Over tRPC, the same list as the other session sees it.
    const viaTrpc = await ctx.server.trpc(second.body.accessToken).user.sessions.query();
    expect(viaTrpc.find((session) => session.current)?.id).toBe(phone?.id);
  });

  it('ends one session at once: its access token is refused (401), its refresh token too; the others stay', async () => {
    const username = uniqueName('devices');
    const mine = await register(ctx.server, username);
    const other = await ctx.server.rest<TokenPair>('POST', '/api/auth/login', {
      body: { username, password: PASSWORD },
    });
    const sessions = await ctx.server.trpc(mine.accessToken).user.sessions.query();
    const target = sessions.find((session) => !session.current);
    const revoked = await ctx.server.rest('POST', `/api/users/me/sessions/${target?.id}/revoke`, {
      token: mine.accessToken,
    });
    expect(revoked.status, revoked.text).toBe(200);
    expect((await ctx.server.rest('GET', '/api/users/me', { token: other.body.accessToken })).status).toBe(401);
    const refresh = await ctx.server.rest('POST', '/api/auth/refresh', {
      body: { refreshToken: other.body.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect((await ctx.server.rest('GET', '/api/users/me', { token: mine.accessToken })).status).toBe(200);
    expect(await ctx.server.trpc(mine.accessToken).user.sessions.query()).toHaveLength(1);
  });

  it("answers 404 for another user's session id and for an unknown id, and ends nothing", async () => {
    const alice = await register(ctx.server);
    const bob = await register(ctx.server);
    const [bobSession] = await ctx.server.trpc(bob.accessToken).user.sessions.query();
    const res = await ctx.server.rest('POST', `/api/users/me/sessions/${bobSession?.id}/revoke`, {
      token: alice.accessToken,
    });
    expect(res.status).toBe(404);
    expect((await ctx.server.rest('GET', '/api/users/me', { token: bob.accessToken })).status).toBe(200);
    const unknown = await ctx.server.rest(
      'POST',
      '/api/users/me/sessions/019ac0a5-0000-7000-8000-000000000000/revoke',
      {
        token: alice.accessToken,
      },
    );
    expect(unknown.status).toBe(404);
    await expect(
      ctx.server.trpc(alice.accessToken).user.revokeSession.mutate({ id: bobSession?.id ?? '' }),
    ).rejects.toMatchObject({ data: { httpStatus: 404 } });
  });
});
