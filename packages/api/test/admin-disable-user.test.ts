import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, rejection, signUp, signUpAdmin } from './helpers.js';

// Made by `pnpm turbo gen procedure`: runs on SQLite and on MySQL (TEST_DATABASE_URL).
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.db.destroy();
});

describe('admin.disableUser', () => {
  it('answers with the text it was sent', async () => {
    const { accessToken } = await signUpAdmin(h);
    expect(await h.caller(accessToken).admin.disableUser({ text: 'hello' })).toEqual({ text: 'hello' });
  });

  it('names the field of invalid input', async () => {
    const { accessToken } = await signUpAdmin(h);
    const error = await rejection(h.caller(accessToken).admin.disableUser({ text: '' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^text: /);
  });

  it('refuses a caller without an access token', async () => {
    expect((await rejection(h.caller().admin.disableUser({ text: 'hello' }))).code).toBe('UNAUTHORIZED');
  });

  it('refuses a signed-in user without the admin role', async () => {
    const { accessToken } = await signUp(h);
    expect((await rejection(h.caller(accessToken).admin.disableUser({ text: 'hello' }))).code).toBe('FORBIDDEN');
  });
});
