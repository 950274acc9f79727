/**
 * The last enabled admin stays (API.md, "Semantics"): `admin.setRole` and
 * `admin.disableUser` never leave zero enabled admins, however many admin
 * calls race. Since no admin may change their own account, only a race can
 * threaten the last admin: two admins demoting (or disabling) each other at
 * once, each having passed the admin check before the other's change. Each
 * round starts with exactly the admins it makes.
 */
import { repositoriesOf } from '@repo/db';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTRPCError } from '../src/error-mapping.js';
import { AppError } from '../src/errors.js';
import type { AuthIdentity } from '../src/services/auth.js';
import { createHarness, type Harness, rejection, signUpAdmin } from './helpers.js';

const ROUNDS = 5;

/** What a procedure would answer for a service's error (the one mapping, error-mapping.ts). */
function mapped(error: unknown): TRPCError {
  return toTRPCError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error as Error }));
}
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.db.destroy();
});

const usersRepo = () => repositoriesOf(h.db.orm.em.fork()).users;
const enabledAdmins = () => usersRepo().count({ role: 'admin', disabledAt: null });

/** `count` new admins, the only enabled admins of the database, signed in; and their identities as the admin check saw them. */
async function onlyAdmins(count: number) {
  await usersRepo().nativeUpdate({ role: 'admin' }, { role: 'user' });
  const admins = [];
  for (let i = 0; i < count; i++) {
    const pair = await signUpAdmin(h);
    const identity: AuthIdentity = await h.services.auth.authenticate(h.db.orm.em.fork(), pair.accessToken);
    admins.push({ ...pair, identity });
  }
  expect(await enabledAdmins()).toBe(count);
  return admins;
}

type Change = 'demote' | 'disable';

/** An admin's change to another user, through the service, as a procedure that passed the admin check calls it. */
function change(kind: Change, by: AuthIdentity, targetId: string): Promise<unknown> {
  const em = h.db.orm.em.fork();
  return kind === 'demote'
    ? h.services.admin.setRole(em, by, { id: targetId, role: 'user' })
    : h.services.admin.disableUser(em, by, { id: targetId });
}

/** The outcomes of racing calls: how many succeeded, and the errors of the others. */
async function race(calls: Promise<unknown>[]) {
  const settled = await Promise.allSettled(calls);
  const errors = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  return { succeeded: settled.length - errors.length, errors };
}

function expectLastAdminRefusals(errors: unknown[]) {
  for (const error of errors) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('LAST_ADMIN');
    // Mapped as every domain error is: CONFLICT, so 409 over REST.
    expect(mapped(error).code).toBe('CONFLICT');
  }
}

describe('the last enabled admin', () => {
  const pairs: [Change, Change][] = [
    ['demote', 'demote'],
    ['disable', 'disable'],
    ['demote', 'disable'],
    ['disable', 'demote'],
  ];
  for (const [first, second] of pairs) {
    it(`two admins racing to ${first} and ${second} each other: one wins, the other is refused with CONFLICT (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = await onlyAdmins(2);
        if (!a || !b) throw new Error('two admins expected');
        const outcome = await race([change(first, a.identity, b.user.id), change(second, b.identity, a.user.id)]);
        expect(outcome.succeeded).toBe(1);
        expectLastAdminRefusals(outcome.errors);
        expect(await enabledAdmins()).toBe(1);
      }
    });
  }

  it(`three admins each demoting or disabling the next at once leave at least one enabled admin (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const admins = await onlyAdmins(3);
      const outcome = await race(
        admins.map((admin, i) => {
          const next = admins[(i + 1) % admins.length];
          if (!next) throw new Error('unreachable');
          return change(i % 2 ? 'disable' : 'demote', admin.identity, next.user.id);
        }),
      );
      expect(outcome.succeeded).toBeGreaterThanOrEqual(1);
      expectLastAdminRefusals(outcome.errors);
      expect(await enabledAdmins()).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses to demote or disable the last enabled admin with CONFLICT (409), and changes nothing', async () => {
    const [a, b] = await onlyAdmins(2);
    if (!a || !b) throw new Error('two admins expected');
    // a is demoted after its admin check passed: its call now targets the last enabled admin.
    await usersRepo().nativeUpdate({ id: a.user.id }, { role: 'user' });
    const refused = await rejection(
      h.services.admin
        .setRole(h.db.orm.em.fork(), a.identity, { id: b.user.id, role: 'user' })
        .catch((error: unknown) => {
          throw mapped(error);
        }),
    );
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/no enabled admin/);
    const disableRefused = await rejection(
      h.services.admin.disableUser(h.db.orm.em.fork(), a.identity, { id: b.user.id }).catch((error: unknown) => {
        throw mapped(error);
      }),
    );
    expect(disableRefused.code).toBe('CONFLICT');
    expect(await enabledAdmins()).toBe(1);
    expect((await h.caller(b.accessToken).user.me()).role).toBe('admin');
  });

  it('two admins demoting each other through the procedures at once leave one enabled admin; the other call is refused', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = await onlyAdmins(2);
      if (!a || !b) throw new Error('two admins expected');
      const settled = await Promise.allSettled([
        h.caller(a.accessToken).admin.setRole({ id: b.user.id, role: 'user' }),
        h.caller(b.accessToken).admin.disableUser({ id: a.user.id }),
      ]);
      expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of settled) {
        if (result.status === 'rejected') {
          // CONFLICT when both calls passed the admin check; FORBIDDEN when the other change came first.
          expect(['CONFLICT', 'FORBIDDEN', 'UNAUTHORIZED']).toContain((result.reason as { code: string }).code);
        }
      }
      expect(await enabledAdmins()).toBe(1);
    }
  });

  it('still promotes, demotes a disabled admin, and disables a user who is no admin', async () => {
    const [a, b] = await onlyAdmins(2);
    if (!a || !b) throw new Error('two admins expected');
    await h.caller(a.accessToken).admin.disableUser({ id: b.user.id });
    expect((await h.caller(a.accessToken).admin.setRole({ id: b.user.id, role: 'user' })).role).toBe('user');
    expect((await h.caller(a.accessToken).admin.setRole({ id: b.user.id, role: 'admin' })).role).toBe('admin');
    expect(await enabledAdmins()).toBe(1);
  });
});
