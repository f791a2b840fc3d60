import { describe, expect, it } from '@jest/globals';
import { newClientId } from '../../../src/shared/ids.js';

describe('newClientId', () => {
  it('never starts with "-", which a command line would read as an option (1 in 64 base64url ids would)', () => {
    const ids = Array.from({ length: 5000 }, newClientId);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
  });
});
