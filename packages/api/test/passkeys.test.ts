import { repositoriesOf } from '@repo/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage } from '../src/services/mail.js';
import type { SecurityEvent } from '../src/services/security-events.js';
import { SoftwareAuthenticator } from '../src/testing.js';
import { createHarness, type Harness, PASSWORD, rejection, signUp } from './helpers.js';

// The harness's API has no APP_URL: the relying party is the web app's dev server.
const ORIGIN = 'http://localhost:5173';

let h: Harness;
const events: SecurityEvent[] = [];
const mails: MailMessage[] = [];
// The service's clock, moved forward by the tests; it starts at the real time (whole seconds, as
// the columns keep them), since jsonwebtoken checks an access token's expiry against the real clock.
let now = new Date(Math.floor(Date.now() / 1000) * 1000);

beforeAll(async () => {
  h = await createHarness({
    now: () => now,
    events: (event) => events.push(event),
    mailer: { send: async (message) => void mails.push(message) },
  });
});
afterAll(async () => {
  await h?.db.destroy();
});

type Pair = Awaited<ReturnType<typeof signUp>>;

/** A new user with one passkey on a new authenticator. */
async function userWithPasskey(authenticator = new SoftwareAuthenticator(ORIGIN)) {
  const pair = await signUp(h, 'pk');
  const options = await h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: PASSWORD });
  const passkey = await h.caller(pair.accessToken).passkey.register({ response: authenticator.create(options) });
  return { pair, authenticator, passkey };
}

async function signInChallenge() {
  return h.caller().auth.passkeyOptions();
}

async function verifiedAddress(pair: Pair): Promise<string> {
  const email = `${pair.user.username}@example.com`.toLowerCase();
  await repositoriesOf(h.db.orm.em.fork()).users.nativeUpdate(
    { id: pair.user.id },
    { email, emailKey: email, emailVerifiedAt: now },
  );
  return email;
}

describe('passkey.registrationOptions', () => {
  it('asks for a discoverable credential with user verification, excluding the passkeys the user has', async () => {
    const { pair, authenticator } = await userWithPasskey();
    const options = await h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: PASSWORD });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.rp.id).toBe('localhost');
    expect(options.user.name).toBe(pair.user.username);
    expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual(authenticator.credentialIds);
    expect(options.timeout).toBe(5 * 60_000);
  });

  it('makes challenges of at least 16 random bytes, a new one each time', async () => {
    const pair = await signUp(h);
    const first = await h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: PASSWORD });
    const second = await h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: PASSWORD });
    expect(Buffer.from(first.challenge, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(first.challenge).not.toBe(second.challenge);
  });

  it('refuses a wrong current password with a 400 naming currentPassword', async () => {
    const pair = await signUp(h);
    const error = await rejection(
      h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: 'not my password' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('currentPassword: is incorrect');
  });

  it('counts wrong current passwords against the login budgets, as user.changePassword does', async () => {
    const pair = await signUp(h, 'budget');
    for (let i = 0; i < 10; i += 1) {
      const error = await rejection(
        h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: `wrong password ${i}` }),
      );
      expect(error.code).toBe('BAD_REQUEST');
    }
    const options = await rejection(
      h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: PASSWORD }),
    );
    expect(options.code).toBe('TOO_MANY_REQUESTS');
    const login = await rejection(h.caller().auth.login({ username: pair.user.username, password: PASSWORD }));
    expect(login.code).toBe('TOO_MANY_REQUESTS');
  });
});

describe('passkey.register / list / remove', () => {
  it('adds a passkey that the list shows with its name and dates, and removes it', async () => {
    const pair = await signUp(h);
    const caller = h.caller(pair.accessToken);
    const options = await caller.passkey.registrationOptions({ currentPassword: PASSWORD });
    const added = await caller.passkey.register({
      response: new SoftwareAuthenticator(ORIGIN).create(options),
      name: ' Laptop ',
    });
    expect(added).toEqual({ id: expect.any(String), name: 'Laptop', createdAt: now.toISOString(), lastUsedAt: null });
    expect(await caller.passkey.list()).toEqual([added]);
    expect(await caller.passkey.remove({ id: added.id })).toEqual({ success: true });
    expect(await caller.passkey.list()).toEqual([]);
  });

  it('answers NOT_FOUND for another user’s passkey, and leaves it', async () => {
    const { pair: owner, passkey } = await userWithPasskey();
    const stranger = await signUp(h);
    const error = await rejection(h.caller(stranger.accessToken).passkey.remove({ id: passkey.id }));
    expect(error.code).toBe('NOT_FOUND');
    expect(await h.caller(owner.accessToken).passkey.list()).toEqual([passkey]);
  });

  it('refuses a credential id another user registered (a credential belongs to one user only)', async () => {
    const { authenticator } = await userWithPasskey();
    const [credentialId = ''] = authenticator.credentialIds;
    const thief = await signUp(h);
    const options = await h.caller(thief.accessToken).passkey.registrationOptions({ currentPassword: PASSWORD });
    const response = new SoftwareAuthenticator(ORIGIN).create(options, {
      credentialId: Buffer.from(credentialId, 'base64url'),
    });
    const error = await rejection(h.caller(thief.accessToken).passkey.register({ response }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe('response: this passkey is already registered');
    expect(await h.caller(thief.accessToken).passkey.list()).toEqual([]);
  });

  it('mails a notice to the verified address when a passkey is added and when it is removed', async () => {
    const pair = await signUp(h);
    const email = await verifiedAddress(pair);
    const caller = h.caller(pair.accessToken);
    const options = await caller.passkey.registrationOptions({ currentPassword: PASSWORD });
    const added = await caller.passkey.register({
      response: new SoftwareAuthenticator(ORIGIN).create(options),
      name: 'Phone',
    });
    await caller.passkey.remove({ id: added.id });
    await h.services.passkeys.idle();
    const subjects = mails.filter((mail) => mail.to === email).map((mail) => mail.subject);
    expect(subjects).toEqual(['A passkey was added to your account', 'A passkey was removed from your account']);
    expect(mails.find((mail) => mail.to === email)?.text).toContain('"Phone"');
  });
});

describe('registration checks', () => {
  async function optionsFor() {
    const pair = await signUp(h);
    const options = await h.caller(pair.accessToken).passkey.registrationOptions({ currentPassword: PASSWORD });
    return { caller: h.caller(pair.accessToken), options };
  }

  it.each([
    ['type', { type: 'webauthn.get' }, /type/],
    ['origin', { origin: 'https://evil.example' }, /origin/],
    ['RP ID hash', { rpId: 'evil.example' }, /RP ID/],
    ['user presence', { isUserPresent: false }, /not present/],
    ['user verification', { isUserVerified: false }, /[Uu]ser verification/],
  ])(
    'refuses a response with the wrong %s (400 naming response), and stores nothing',
    async (_check, overrides, reason) => {
      const { caller, options } = await optionsFor();
      const error = await rejection(
        caller.passkey.register({ response: new SoftwareAuthenticator(ORIGIN).create(options, overrides) }),
      );
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/^response: could not be verified/);
      expect(error.message).toMatch(reason);
      expect(await caller.passkey.list()).toEqual([]);
    },
  );

  it('refuses a challenge the server did not issue to this user', async () => {
    const { caller } = await optionsFor();
    const other = await optionsFor();
    const forged = await rejection(
      caller.passkey.register({
        response: new SoftwareAuthenticator(ORIGIN).create(other.options, {
          challenge: Buffer.from('a challenge nobody issued').toString('base64url'),
        }),
      }),
    );
    expect(forged.message).toMatch(/^response: answers no live registration challenge/);
    // Another user's live challenge is not this user's.
    const stolen = await rejection(
      caller.passkey.register({ response: new SoftwareAuthenticator(ORIGIN).create(other.options) }),
    );
    expect(stolen.message).toMatch(/^response: answers no live registration challenge/);
  });

  it('uses a registration challenge once, and not after 5 minutes', async () => {
    const { caller, options } = await optionsFor();
    await caller.passkey.register({ response: new SoftwareAuthenticator(ORIGIN).create(options) });
    const again = await rejection(
      caller.passkey.register({ response: new SoftwareAuthenticator(ORIGIN).create(options) }),
    );
    expect(again.message).toMatch(/^response: answers no live registration challenge/);

    const late = await optionsFor();
    now = new Date(now.getTime() + 5 * 60_000);
    const expired = await rejection(
      late.caller.passkey.register({ response: new SoftwareAuthenticator(ORIGIN).create(late.options) }),
    );
    expect(expired.message).toMatch(/^response: answers no live registration challenge/);
  });
});

describe('auth.passkeyOptions / auth.passkeyLogin', () => {
  it('asks for any discoverable passkey with user verification', async () => {
    const { challengeId, options } = await signInChallenge();
    expect(challengeId).toEqual(expect.any(String));
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe('required');
    expect(options.rpId).toBe('localhost');
    expect(Buffer.from(options.challenge, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it('signs the passkey’s user in: a complete sign-in with a working session', async () => {
    const { pair, authenticator, passkey } = await userWithPasskey();
    const { challengeId, options } = await signInChallenge();
    const signedIn = await h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options) });
    expect(signedIn.user).toEqual(pair.user);
    expect(signedIn.refreshToken).toEqual(expect.any(String));
    const [listed] = await h.caller(signedIn.accessToken).passkey.list();
    expect(listed).toEqual({ ...passkey, lastUsedAt: now.toISOString() });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'login.succeeded', userId: pair.user.id, method: 'passkey' }),
    );
  });

  it('answers 401 with no tokens for a bad signature', async () => {
    const { authenticator } = await userWithPasskey();
    const { challengeId, options } = await signInChallenge();
    const error = await rejection(
      h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options, { isSignatureForged: true }) }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toBe('Passkey sign-in failed');
  });

  it.each([
    ['type', { type: 'webauthn.create' }, /type/],
    ['challenge', { challenge: Buffer.from('a challenge nobody issued').toString('base64url') }, /challenge/],
    ['origin', { origin: 'https://evil.example' }, /origin/],
    ['RP ID hash', { rpId: 'evil.example' }, /RP ID/],
    ['user presence', { isUserPresent: false }, /not present/],
    ['user verification', { isUserVerified: false }, /[Uu]ser verification/],
    ['user handle', { userHandle: Buffer.from('someone else').toString('base64url') }, /user handle/],
  ])(
    'refuses an assertion with the wrong %s (401, the same answer for every check)',
    async (_check, overrides, reason) => {
      const { pair, authenticator } = await userWithPasskey();
      const { challengeId, options } = await signInChallenge();
      const error = await rejection(
        h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options, overrides) }),
      );
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.message).toBe('Passkey sign-in failed');
      const failure = events.findLast((event) => event.type === 'passkey.login_failed');
      expect(failure).toMatchObject({ userId: pair.user.id, reason: expect.stringMatching(reason) });
    },
  );

  it('refuses a passkey nobody registered, and one removed', async () => {
    const stray = new SoftwareAuthenticator(ORIGIN);
    stray.create({ challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'AAAA' } });
    const first = await signInChallenge();
    expect(
      (
        await rejection(
          h.caller().auth.passkeyLogin({ challengeId: first.challengeId, response: stray.get(first.options) }),
        )
      ).code,
    ).toBe('UNAUTHORIZED');

    const { pair, authenticator, passkey } = await userWithPasskey();
    await h.caller(pair.accessToken).passkey.remove({ id: passkey.id });
    const second = await signInChallenge();
    const error = await rejection(
      h.caller().auth.passkeyLogin({ challengeId: second.challengeId, response: authenticator.get(second.options) }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('uses a sign-in challenge once: of two parallel uses at most one signs in', async () => {
    const { authenticator } = await userWithPasskey();
    const { challengeId, options } = await signInChallenge();
    const response = authenticator.get(options);
    const results = await Promise.allSettled([
      h.caller().auth.passkeyLogin({ challengeId, response }),
      h.caller().auth.passkeyLogin({ challengeId, response }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const again = await rejection(h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options) }));
    expect(again.code).toBe('UNAUTHORIZED');
  });

  it('refuses a sign-in challenge after 5 minutes', async () => {
    const { authenticator } = await userWithPasskey();
    const { challengeId, options } = await signInChallenge();
    now = new Date(now.getTime() + 5 * 60_000);
    const error = await rejection(h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options) }));
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a sign counter that went backwards and reports it as a security event', async () => {
    const { pair, authenticator, passkey } = await userWithPasskey();
    const first = await signInChallenge();
    await h.caller().auth.passkeyLogin({
      challengeId: first.challengeId,
      response: authenticator.get(first.options, { counter: 7 }),
    });
    const second = await signInChallenge();
    const error = await rejection(
      h.caller().auth.passkeyLogin({
        challengeId: second.challengeId,
        response: authenticator.get(second.options, { counter: 3 }),
      }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'passkey.counter_regressed', userId: pair.user.id, passkeyId: passkey.id }),
    );
  });

  it('accepts authenticators that keep no counter (always 0)', async () => {
    const { authenticator } = await userWithPasskey(new SoftwareAuthenticator(ORIGIN, { counterStep: 0 }));
    for (let i = 0; i < 2; i += 1) {
      const { challengeId, options } = await signInChallenge();
      await expect(
        h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options) }),
      ).resolves.toMatchObject({ tokenType: 'Bearer' });
    }
  });

  it('refuses a disabled user like auth.login does', async () => {
    const { pair, authenticator } = await userWithPasskey();
    await repositoriesOf(h.db.orm.em.fork()).users.nativeUpdate({ id: pair.user.id }, { disabledAt: now });
    const { challengeId, options } = await signInChallenge();
    const error = await rejection(h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options) }));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(events).toContainEqual(expect.objectContaining({ type: 'login.disabled', userId: pair.user.id }));
  });

  it('keeps challenges in the database: an instance verifies what another issued', async () => {
    const other = await createHarness({ db: h.db, now: () => now });
    const { pair, authenticator } = await userWithPasskey();
    const { challengeId, options } = await other.caller().auth.passkeyOptions();
    const signedIn = await h.caller().auth.passkeyLogin({ challengeId, response: authenticator.get(options) });
    expect(signedIn.user.id).toBe(pair.user.id);
  });

  it('refuses an unknown challenge id', async () => {
    const { authenticator } = await userWithPasskey();
    const { options } = await signInChallenge();
    const error = await rejection(
      h.caller().auth.passkeyLogin({
        challengeId: '019ac0b2-0000-7000-8000-000000000000',
        response: authenticator.get(options),
      }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
  });
});
