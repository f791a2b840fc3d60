import { describe, expect, it } from '@jest/globals';
import { parse as parseForm } from 'node:querystring';
import { mayHoldUnstorable, unstorableField, unstorableSegment } from '../../../src/http/storable-text.js';

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

  it('the pre-check that lets the hot path skip parsing misses no way a form, query or JSON text can carry unstorable text', () => {
    for (const text of ['a=x%00', 'a=%00', 'x%00=1', 'a=\u0000', '{"a":"\\u0000"}', '{"a":"\\uD800"}', '{"a":"\\udfff"}', '{"\\u0000":1}']) {
      expect({ text, flagged: mayHoldUnstorable(text) }).toEqual({ text, flagged: true });
    }
    expect(mayHoldUnstorable('grant_type=client_credentials&scope=read%20write&resource=https%3A%2F%2Fapi')).toBe(false);
    expect(mayHoldUnstorable('{"a":"\\u00e9\\ud83d\\ude00"}')).toBe(true); // an emoji's escapes are flagged; the exact check then passes them
    // Whatever the pre-check lets through must parse to storable text: random texts from the characters that matter.
    // Fragments of the escapes that matter, so that random texts form them often (each pre-check weakened
    // by one alternative is caught within these rounds).
    const alphabet = ['%', '%0', '00', '0', '\\', '\\u', '\\u00', 'u', 'd', 'D8', 'dc', 'DF', 'e', 'F', '2', '5', '"', '+', '&', '=', 'a', '{', ','];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const missed: string[] = [];
    for (let round = 0; round < 10_000; round += 1) {
      const text = Array.from({ length: 1 + Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      if (mayHoldUnstorable(text)) continue;
      let json: unknown;
      try {
        json = JSON.parse(`{"k":"${text}"}`);
      } catch {
        json = undefined;
      }
      if (unstorableField(parseForm(text)) !== undefined || unstorableField(json) !== undefined) missed.push(text);
    }
    expect(missed).toEqual([]);
  });
});

