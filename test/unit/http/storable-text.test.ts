import { describe, expect, it } from '@jest/globals';
import { unstorableField, unstorableSegment } from '../../../src/http/storable-text.js';

describe('text PostgreSQL cannot store', () => {
  it('names the first field holding NUL or an unpaired surrogate, at any depth, in keys too', () => {
    expect(unstorableField({ a: 'fine', b: { c: ['ok', 'x\u0000'] } })).toBe('b.c.1');
    expect(unstorableField({ name: '\ud800' })).toBe('name');
    expect(unstorableField({ name: 'x\udc00' })).toBe('name');
    expect(unstorableField({ 'bad\u0000key': 1 })).toBe('bad\\0key');
    expect(unstorableField('\u0000')).toBe('(value)');
  });

  it('lets everything else through: emoji (paired surrogates), bidi marks, other control characters, numbers', () => {
    expect(unstorableField({ a: '😀👩‍👩‍👧', b: '\u202eevil', c: '\u0001\u001f\u007f', d: 1, e: null, f: [true] })).toBeUndefined();
  });

  it('finds a path segment that decodes to NUL or a lone surrogate, and leaves malformed escapes to the routers', () => {
    expect(unstorableSegment('/admin/api/v1/clients/x%00y/roles')).toBe(5);
    expect(unstorableSegment('/a/%ED%A0%80')).toBeUndefined(); // invalid UTF-8: decoding fails, the router answers 404
    expect(unstorableSegment('/a/%zz/%F0%9F%98%80')).toBeUndefined();
  });
});
