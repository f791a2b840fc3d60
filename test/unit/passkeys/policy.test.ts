import { describe, expect, it } from '@jest/globals';
import { authenticatorName } from '../../../src/passkeys/authenticators.js';
import { canRemovePasskey, canUnlinkIdentities, counterVerdict, passkeyAmr, passkeyName } from '../../../src/passkeys/policy.js';
import { parseAuthenticationResponse, parseRegistrationResponse } from '../../../src/passkeys/responses.js';

describe('passkey policy', () => {
  it('accepts a counter that moves forward, and counters that both stay 0', () => {
    expect(counterVerdict(4, 5, false)).toBe('ok');
    expect(counterVerdict(0, 0, false)).toBe('ok');
    expect(counterVerdict(0, 1, false)).toBe('ok');
  });

  it('calls a device-bound counter that goes back or stands still a possible clone', () => {
    expect(counterVerdict(10, 3, false)).toBe('possible_clone');
    expect(counterVerdict(10, 10, false)).toBe('possible_clone');
    expect(counterVerdict(10, 0, false)).toBe('possible_clone');
  });

  it('does not take a synced credential whose devices disagree for a clone', () => {
    expect(counterVerdict(10, 3, true)).toBe('ok');
  });

  it('maps the authenticator to RFC 8176 amr values', () => {
    expect(passkeyAmr('singleDevice', true)).toEqual(['hwk', 'user', 'mfa']);
    expect(passkeyAmr('multiDevice', true)).toEqual(['swk', 'user', 'mfa']);
    expect(passkeyAmr('singleDevice', false)).toEqual(['hwk', 'user']);
  });

  it('never removes the last way in', () => {
    expect(canRemovePasskey({ hasPassword: false, passkeys: 1, linkedIdentities: 0 })).toBe(false);
    expect(canRemovePasskey({ hasPassword: false, passkeys: 2, linkedIdentities: 0 })).toBe(true);
    expect(canRemovePasskey({ hasPassword: true, passkeys: 1, linkedIdentities: 0 })).toBe(true);
    expect(canRemovePasskey({ hasPassword: false, passkeys: 1, linkedIdentities: 1 })).toBe(true);
  });

  it('unlinks upstream identities only when a password, a passkey or another identity stays', () => {
    expect(canUnlinkIdentities({ hasPassword: false, passkeys: 0, linkedIdentities: 1 }, 1)).toBe(false);
    expect(canUnlinkIdentities({ hasPassword: false, passkeys: 1, linkedIdentities: 1 }, 1)).toBe(true);
    expect(canUnlinkIdentities({ hasPassword: true, passkeys: 0, linkedIdentities: 1 }, 1)).toBe(true);
    expect(canUnlinkIdentities({ hasPassword: false, passkeys: 0, linkedIdentities: 2 }, 1)).toBe(true);
    expect(canUnlinkIdentities({ hasPassword: false, passkeys: 0, linkedIdentities: 2 }, 2)).toBe(false);
  });

  it('names a passkey from the person, else the authenticator, else "Passkey"', () => {
    expect(passkeyName('  Laptop  ', 'YubiKey 5')).toBe('Laptop');
    expect(passkeyName('', 'YubiKey 5')).toBe('YubiKey 5');
    expect(passkeyName(undefined, undefined)).toBe('Passkey');
    expect(passkeyName('x'.repeat(200), undefined)).toHaveLength(64);
  });

  it('names known authenticators by AAGUID and nothing for the all-zero one', () => {
    expect(authenticatorName('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')).toBe('Google Password Manager');
    expect(authenticatorName('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(authenticatorName(null)).toBeUndefined();
  });
});

describe('WebAuthn response shapes', () => {
  const assertion = { id: 'abc', rawId: 'abc', type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON: 'eyJ9', authenticatorData: 'AAAA', signature: 'MEUC' } };

  it('takes a well-formed assertion', () => {
    expect(parseAuthenticationResponse(JSON.stringify(assertion))?.id).toBe('abc');
  });

  it.each([
    ['not JSON', '{"id":'],
    ['a bare value', '42'],
    ['a truncated response', JSON.stringify({ ...assertion, response: { clientDataJSON: 'eyJ9' } })],
    ['a wrong type', JSON.stringify({ ...assertion, type: 'password' })],
    ['non-base64url data', JSON.stringify({ ...assertion, response: { ...assertion.response, signature: 'ab+/=' } })],
    ['an oversized credential id', JSON.stringify({ ...assertion, id: 'a'.repeat(5000) })],
  ])('refuses %s', (_what, text) => {
    expect(parseAuthenticationResponse(text)).toBeUndefined();
    expect(parseRegistrationResponse(text)).toBeUndefined();
  });
});
