import { describe, expect, it } from '@jest/globals';
import { constantTimeEqual, sha256 } from '../../../src/shared/digest.js';

describe('constantTimeEqual', () => {
  it('is true for equal strings, including empty and non-ASCII ones', () => {
    for (const value of ['s3cr3t-value', '', 'pässwörd ✓']) expect(constantTimeEqual(value, value)).toBe(true);
  });

  it.each([
    ['a different value of the same length', 'abcdef', 'abcdeg'],
    ['a prefix', 'abc', 'abcd'],
    ['the same text in another case', 'Secret', 'secret'],
    ['an empty string against a non-empty one', '', 'x'],
    ['a string against itself with a NUL appended', 'abc', 'abc\0'],
    ['canonically equivalent but differently encoded text', 'é', 'e\u0301'],
  ])('is false for %s', (_case, a, b) => {
    expect(constantTimeEqual(a, b)).toBe(false);
    expect(constantTimeEqual(b, a)).toBe(false);
  });

  it('does not throw for inputs of different lengths (timingSafeEqual would)', () => {
    expect(() => constantTimeEqual('short', 'a much longer string than the first')).not.toThrow();
  });
});

describe('sha256', () => {
  it('is the base64url SHA-256 of the UTF-8 text', () => {
    // FIPS 180-2 test vector for "abc": ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(sha256('abc')).toBe(Buffer.from('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex').toString('base64url'));
    expect(sha256('abc')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
