import { describe, expect, it } from '@jest/globals';
import type { AccountRow } from '../../../src/accounts/queries.js';
import { createSelfDeletion } from '../../../src/privacy/self-deletion.js';
import { ManualClock } from '../../support/manual-clock.js';

const RECENT = 600;

/**
 * When "delete my account" first sends the person through a new sign-in (src/privacy/self-deletion.ts,
 * needsFreshSignIn), for accounts without a password: a passkey sign-in stands for the password, and an
 * account with no passkey either (made by an upstream provider) is not asked for one it cannot have,
 * which would send it round the sign-in for ever.
 */
describe('the fresh sign-in before deleting an account without a password', () => {
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now().getTime() / 1000);
  const deletion = (hasPasskey: boolean) =>
    createSelfDeletion({ hasPasskey: async () => hasPasskey, mfa: { hasFactor: async () => false }, clock, recentLoginSeconds: RECENT } as unknown as Parameters<typeof createSelfDeletion>[0]);
  const account = { id: 'a', password_hash: null } as unknown as AccountRow;
  const signed = (amr: string[], ago = 60) => ({ loginTs: now() - ago, amr });

  it('takes a recent passkey sign-in, and refuses an upstream one while the account has a passkey', async () => {
    await expect(deletion(true).needsFreshSignIn(account, signed(['hwk', 'user', 'mfa']))).resolves.toBe(false);
    await expect(deletion(true).needsFreshSignIn(account, signed(['fed']))).resolves.toBe(true);
  });

  it('takes a recent upstream sign-in from an account with no passkey', async () => {
    await expect(deletion(false).needsFreshSignIn(account, signed(['fed']))).resolves.toBe(false);
  });

  it('asks every account without a password to sign in again when the sign-in is not recent', async () => {
    await expect(deletion(false).needsFreshSignIn(account, signed(['fed'], RECENT + 1))).resolves.toBe(true);
    await expect(deletion(true).needsFreshSignIn(account, signed(['swk', 'user', 'mfa'], RECENT + 1))).resolves.toBe(true);
    await expect(deletion(false).needsFreshSignIn(account, { amr: ['fed'] })).resolves.toBe(true);
  });
});

describe('what deleting asks of a session', () => {
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now().getTime() / 1000);

  it('reads the second factor once for both answers: an account with an authenticator app types a code, and is not sent to sign in again', async () => {
    const asked = { hasFactor: 0, hasPasskey: 0 };
    const deletion = createSelfDeletion({
      hasPasskey: async () => (asked.hasPasskey++, true),
      mfa: { hasFactor: async () => (asked.hasFactor++, true) },
      clock,
      recentLoginSeconds: RECENT,
    } as unknown as Parameters<typeof createSelfDeletion>[0]);
    const account = { id: 'a', password_hash: 'hash' } as unknown as AccountRow;
    await expect(deletion.demands(account, { loginTs: now() - 60, amr: ['pwd'] })).resolves.toEqual({ freshSignIn: false, code: true });
    expect(asked).toEqual({ hasFactor: 1, hasPasskey: 0 });
  });

  it('an account whose only second factor is a passkey shows no code field, and an old sign-in must be renewed', async () => {
    const deletion = createSelfDeletion({ hasPasskey: async () => true, mfa: { hasFactor: async () => false }, clock, recentLoginSeconds: RECENT } as unknown as Parameters<typeof createSelfDeletion>[0]);
    const account = { id: 'a', password_hash: 'hash' } as unknown as AccountRow;
    await expect(deletion.demands(account, { loginTs: now() - RECENT - 1, amr: ['pwd', 'hwk', 'mfa'] })).resolves.toEqual({ freshSignIn: true, code: false });
    await expect(deletion.demands(account, { loginTs: now() - 60, amr: ['pwd', 'hwk', 'mfa'] })).resolves.toEqual({ freshSignIn: false, code: false });
  });
});
