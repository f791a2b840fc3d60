import { describe, expect, it } from '@jest/globals';
import { SecretBox } from '../../../src/shared/secret-box.js';

const OLD_SECRET = 'old-server-secret-0123456789-abcdefghij';
const NEW_SECRET = 'new-server-secret-0123456789-abcdefghij';

/** Flips one bit in one dot-separated part of a sealed value, working on bytes: editing a base64url
 * character can land in padding bits and change nothing. */
function flipBit(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('opens what it sealed, including empty and non-ASCII text', () => {
    const box = new SecretBox([NEW_SECRET], 'signing-keys');
    for (const plaintext of ['{"kty":"EC","d":"secret"}', '', 'pässwörd ✓ 秘密']) {
      expect(box.open(box.seal(plaintext))).toBe(plaintext);
    }
  });

  it('seals the same text differently each time and never in the clear', () => {
    const box = new SecretBox([NEW_SECRET], 'signing-keys');
    const [first, second] = [box.seal('the private key'), box.seal('the private key')];
    expect(first).not.toBe(second);
    expect(first).not.toContain('the private key');
    expect(first).not.toContain(Buffer.from('the private key').toString('base64url'));
  });

  it.each([
    ['iv', 1],
    ['ciphertext', 2],
    ['tag', 3],
  ] as const)('refuses a value whose %s was changed', (_name, part) => {
    const box = new SecretBox([NEW_SECRET], 'signing-keys');
    const sealed = box.seal('the private key');
    expect(() => box.open(flipBit(sealed, part))).toThrow('does not open with any configured SERVER_SECRET');
  });

  it('refuses a value whose tag was cut short', () => {
    const box = new SecretBox([NEW_SECRET], 'signing-keys');
    const [version, iv, body, tag] = box.seal('the private key').split('.');
    const shortTag = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open([version, iv, body, shortTag].join('.'))).toThrow('does not open');
  });

  it.each(['', 'garbage', 'v2.aaaa.bbbb.cccc', 'v1.aaaa.bbbb', 'v1.aaaa.bbbb.cccc.dddd'])('refuses %p as an unknown format', (sealed) => {
    const box = new SecretBox([NEW_SECRET], 'signing-keys');
    expect(() => box.open(sealed)).toThrow('sealed value has an unknown format');
  });

  it('after rotation, opens values sealed under the old secret when it is listed second', () => {
    const sealedBefore = new SecretBox([OLD_SECRET], 'signing-keys').seal('sealed before rotation');
    const rotated = new SecretBox([NEW_SECRET, OLD_SECRET], 'signing-keys');
    expect(rotated.open(sealedBefore)).toBe('sealed before rotation');
    // New values are sealed under the first (newest) secret only.
    const sealedAfter = rotated.seal('sealed after rotation');
    expect(new SecretBox([NEW_SECRET], 'signing-keys').open(sealedAfter)).toBe('sealed after rotation');
    expect(() => new SecretBox([OLD_SECRET], 'signing-keys').open(sealedAfter)).toThrow('does not open');
  });

  it('fails with a clear error, which does not reveal the secrets, under the wrong secret', () => {
    const sealed = new SecretBox([OLD_SECRET], 'signing-keys').seal('value');
    let message = '';
    try {
      new SecretBox([NEW_SECRET], 'signing-keys').open(sealed);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('sealed value does not open with any configured SERVER_SECRET');
    expect(message).not.toContain(OLD_SECRET);
    expect(message).not.toContain(NEW_SECRET);
  });

  it('keeps purposes apart: a value sealed for one purpose does not open for another', () => {
    const sealed = new SecretBox([NEW_SECRET], 'totp-seeds').seal('seed');
    expect(() => new SecretBox([NEW_SECRET], 'signing-keys').open(sealed)).toThrow('does not open');
  });

  it('refuses to be built without a secret', () => {
    expect(() => new SecretBox([], 'signing-keys')).toThrow('at least one server secret');
  });
});
