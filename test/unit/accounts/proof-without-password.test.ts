import { describe, expect, it } from '@jest/globals';
import { createAccountAuth, type SignedIn } from '../../../src/accounts/routes/account-auth.js';
import type { AccountRow } from '../../../src/accounts/queries.js';
import { ManualClock } from '../../support/manual-clock.js';

const RECENT = 600;

/**
 * What stands for the password of an account that has none, before a security change on the account
 * pages (passkeys, two-step, setting a password): a recent sign-in, made with a passkey or a password when
 * the account has passkeys (an upstream sign-in alone must not change what they guard).
 */
describe('proof for an account without a password', () => {
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now().getTime() / 1000);
  const authWith = (passkeys: number) =>
    createAccountAuth({ passkeys: { count: async () => passkeys }, clock, recentLoginSeconds: RECENT } as unknown as Parameters<typeof createAccountAuth>[0]);
  const signed = (amr: string[], ago = 60): SignedIn => ({ account: { id: 'a', password_hash: null } as unknown as AccountRow, sessionUid: 's', loginTs: now() - ago, amr });

  it('takes a recent sign-in with a credential of this server: a passkey, or the password it just removed', async () => {
    await expect(authWith(1).provenWithoutPassword(signed(['pwd']))).resolves.toBe(true);
    await expect(authWith(1).provenWithoutPassword(signed(['hwk', 'user', 'mfa']))).resolves.toBe(true);
    await expect(authWith(2).provenWithoutPassword(signed(['swk', 'user', 'mfa']))).resolves.toBe(true);
  });

  it('refuses an upstream sign-in when the account has passkeys, and any sign-in that is not recent', async () => {
    await expect(authWith(1).provenWithoutPassword(signed(['fed']))).resolves.toBe(false);
    await expect(authWith(1).provenWithoutPassword(signed(['hwk', 'user', 'mfa'], RECENT + 1))).resolves.toBe(false);
    await expect(authWith(0).provenWithoutPassword(signed(['fed'], RECENT + 1))).resolves.toBe(false);
  });

  it('takes a recent upstream sign-in from an account with no passkey (an upstream provider is its only way in)', async () => {
    await expect(authWith(0).provenWithoutPassword(signed(['fed']))).resolves.toBe(true);
  });
});
