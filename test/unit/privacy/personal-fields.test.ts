import { describe, expect, it } from '@jest/globals';
import { newDataKey } from '../../../src/privacy/field-cipher.js';
import { ERASED, protectRow, revealRow } from '../../../src/privacy/personal-fields.js';

const ACCOUNT = 'acc-1';
const row = (overrides: Partial<Parameters<typeof protectRow>[0]> = {}) => ({
  type: 'account.updated', actor_type: 'account', account_id: ACCOUNT, ip: '198.51.100.4', user_agent: 'UA/1',
  detail: { target: { type: 'account', id: ACCOUNT, name: 'a@example.test' }, changes: { name: { before: 'A', after: 'B' }, password: { before: null, after: '[masked]' } }, email: 'a@example.test', reason: 'kept' },
  ...overrides,
});

describe('which values of an event are personal, and how they are protected and revealed', () => {
  const key = newDataKey();

  it('encrypts the personal values and nothing else, and reveals them with the key', () => {
    const stored = protectRow(row(), key);
    const text = JSON.stringify(stored);
    for (const value of ['198.51.100.4', 'UA/1', 'a@example.test', '"A"', '"B"']) expect(text).not.toContain(value);
    expect(stored.detail).toMatchObject({ reason: 'kept', target: { type: 'account', id: ACCOUNT }, changes: { password: { before: null, after: '[masked]' } } });
    expect(revealRow(stored, key)).toEqual(row());
  });

  it('reads as erased without the key, and stores erased when the account already is', () => {
    const erased = revealRow(protectRow(row(), key), null);
    expect(erased).toMatchObject({ ip: ERASED, user_agent: ERASED, detail: { email: ERASED, target: { name: ERASED }, changes: { name: { before: ERASED, after: ERASED } } } });
    expect(protectRow(row(), null)).toEqual(erased);
    expect(revealRow(protectRow(row(), key), newDataKey()).detail.email).toBe(ERASED);
  });

  it('leaves an operator’s origin, an event about no account, and other events’ subjects alone', () => {
    expect(protectRow(row({ actor_type: 'client' }), key)).toMatchObject({ ip: '198.51.100.4', user_agent: 'UA/1' });
    expect(protectRow(row({ account_id: null }), key)).toEqual(row({ account_id: null }));
    const check = { ...row({ type: 'authz.check_denied', actor_type: 'client' }), detail: { subject: `account:${ACCOUNT}` } };
    expect(protectRow(check, key).detail).toEqual({ subject: `account:${ACCOUNT}` });
    const linked = { ...row({ type: 'federation.linked' }), detail: { subject: 'upstream-42', connection: 'corp' } };
    expect(protectRow(linked, key).detail).toMatchObject({ connection: 'corp', subject: expect.stringMatching(/^pd1\./) });
  });

  it('plaintext from before encryption reads as it was', () => {
    expect(revealRow(row(), undefined)).toEqual(row());
    expect(revealRow(row(), key)).toEqual(row());
  });
});
