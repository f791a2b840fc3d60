import { describe, expect, it } from '@jest/globals';
import { provenForLinking, type LinkProofInput } from '../../../src/federation/link-proof.js';

const NOW = 1_000_000;
const proof = (input: Partial<LinkProofInput>) =>
  provenForLinking({ hasPassword: true, loginTs: NOW - 60, amr: ['pwd'], nowSeconds: NOW, recentSeconds: 300, hasSecondFactor: async () => false, ...input });

/** What a session must show before it may link an upstream identity (a new way to sign in). */
describe('proof for linking an upstream identity', () => {
  it('takes a recent password sign-in, with the second factor when the account has one', async () => {
    await expect(proof({})).resolves.toBe(true);
    await expect(proof({ hasSecondFactor: async () => true })).resolves.toBe(false);
    await expect(proof({ hasSecondFactor: async () => true, amr: ['pwd', 'otp', 'mfa'] })).resolves.toBe(true);
  });

  it('refuses a sign-in that is old or unknown, and a password account signed in with a passkey only', async () => {
    await expect(proof({ loginTs: NOW - 301 })).resolves.toBe(false);
    await expect(proof({ loginTs: undefined })).resolves.toBe(false);
    await expect(proof({ amr: ['hwk', 'user', 'mfa'] })).resolves.toBe(false);
  });

  it('takes a recent passkey sign-in for a passwordless account, and nothing else', async () => {
    await expect(proof({ hasPassword: false, amr: ['hwk', 'user', 'mfa'] })).resolves.toBe(true);
    await expect(proof({ hasPassword: false, amr: ['swk', 'user', 'mfa'] })).resolves.toBe(true);
    await expect(proof({ hasPassword: false, amr: ['fed'] })).resolves.toBe(false);
    await expect(proof({ hasPassword: false, amr: ['hwk', 'user', 'mfa'], loginTs: NOW - 301 })).resolves.toBe(false);
  });
});
