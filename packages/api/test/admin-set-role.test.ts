import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../src/services/security-events.js';
import { createHarness, type Harness, rejection, signUp, signUpAdmin } from './helpers.js';

// Made by `pnpm turbo gen procedure --args admin setRole mutation admin`, then written for real.
const events: SecurityEvent[] = [];
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ events: (event) => events.push(event) });
});
afterAll(async () => {
  await h?.db.destroy();
});

const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

describe('admin.setRole', () => {
  it("gives a user the admin role, which the user's current access token carries at once", async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    const carol = await signUp(h);
    const updated = await h.caller(admin.accessToken).admin.setRole({ id: bob.user.id, role: 'admin' });
    expect(updated).toEqual({ ...bob.user, role: 'admin' });
    expect((await h.caller(bob.accessToken).user.me()).role).toBe('admin');
    // Roles are read on every call: no new sign-in needed.
    await h.caller(bob.accessToken).admin.setRole({ id: carol.user.id, role: 'admin' });
    expect((await h.caller(carol.accessToken).user.me()).role).toBe('admin');
  });

  it('takes the admin role back: the next admin call of that user is refused', async () => {
    const admin = await signUpAdmin(h);
    const other = await signUpAdmin(h);
    await h.caller(admin.accessToken).admin.setRole({ id: other.user.id, role: 'user' });
    const error = await rejection(h.caller(other.accessToken).admin.setRole({ id: admin.user.id, role: 'user' }));
    expect(error.code).toBe('FORBIDDEN');
    expect((await h.caller(admin.accessToken).user.me()).role).toBe('admin');
  });

  it('refuses a signed-in user without the admin role, and changes nothing', async () => {
    const mallory = await signUp(h);
    const error = await rejection(h.caller(mallory.accessToken).admin.setRole({ id: mallory.user.id, role: 'admin' }));
    expect(error.code).toBe('FORBIDDEN');
    expect((await h.caller(mallory.accessToken).user.me()).role).toBe('user');
  });

  it('refuses a caller without an access token', async () => {
    const bob = await signUp(h);
    expect((await rejection(h.caller().admin.setRole({ id: bob.user.id, role: 'admin' }))).code).toBe('UNAUTHORIZED');
  });

  it('answers NOT_FOUND for no such user', async () => {
    const admin = await signUpAdmin(h);
    const error = await rejection(h.caller(admin.accessToken).admin.setRole({ id: UNKNOWN_ID, role: 'admin' }));
    expect(error.code).toBe('NOT_FOUND');
  });

  it("names the field of an invalid role, and refuses the admin's own id (the last admin would lock everyone out)", async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    const badRole = await rejection(
      h.caller(admin.accessToken).admin.setRole({ id: bob.user.id, role: 'root' as unknown as 'admin' }),
    );
    expect(badRole.code).toBe('BAD_REQUEST');
    expect(badRole.message).toMatch(/^role: /);
    const own = await rejection(h.caller(admin.accessToken).admin.setRole({ id: admin.user.id, role: 'user' }));
    expect(own.code).toBe('BAD_REQUEST');
    expect(own.message).toMatch(/^id: /);
    expect((await h.caller(admin.accessToken).user.me()).role).toBe('admin');
  });

  it('records who changed whose role to what', async () => {
    const admin = await signUpAdmin(h);
    const bob = await signUp(h);
    await h.caller(admin.accessToken).admin.setRole({ id: bob.user.id, role: 'admin' });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'admin.role_changed',
        userId: admin.user.id,
        targetUserId: bob.user.id,
        role: 'admin',
        clientAddress: '192.0.2.1',
      }),
    );
  });
});
