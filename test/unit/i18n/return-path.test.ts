import { describe, expect, it } from '@jest/globals';
import { localReturnPath } from '../../../src/i18n/language-routes.js';

describe('the way back after switching language', () => {
  it('keeps a path on this server, with its query', () => {
    expect(localReturnPath('/account/forgot')).toBe('/account/forgot');
    expect(localReturnPath('/interaction/abc?x=1&y=%2F')).toBe('/interaction/abc?x=1&y=%2F');
  });

  it('refuses anything a browser would read as another origin, or not a path', () => {
    for (const value of ['//evil.example/', '/\\evil.example/', '/\\/evil.example', 'https://evil.example/', 'javascript:alert(1)', 'account', '', '/a b', '/a\\b']) {
      expect([value, localReturnPath(value)]).toEqual([value, '/account']);
    }
  });
});
