import { describe, expect, it } from '@jest/globals';
import { negotiateLocale } from '../../../src/i18n/negotiate.js';

const SUPPORTED = ['en', 'ar', 'de', 'es', 'fr', 'ja', 'pt-BR'];
const choose = (hints: Parameters<typeof negotiateLocale>[0]) => negotiateLocale(hints, SUPPORTED, 'en');

describe('choosing the language', () => {
  it('takes ui_locales first, then the saved choice, then the cookie, then Accept-Language', () => {
    const all = { uiLocales: 'fr', saved: 'de', cookie: 'es', acceptLanguage: 'ja' };
    expect(choose(all)).toBe('fr');
    expect(choose({ ...all, uiLocales: undefined })).toBe('de');
    expect(choose({ ...all, uiLocales: undefined, saved: null })).toBe('es');
    expect(choose({ acceptLanguage: 'ja' })).toBe('ja');
    expect(choose({})).toBe('en');
  });

  it('reads ui_locales as a space-separated list in order of preference, and Accept-Language by q', () => {
    expect(choose({ uiLocales: 'ko it-IT de-CH fr' })).toBe('de');
    expect(choose({ acceptLanguage: 'ko;q=1, fr;q=0.4, es;q=0.8' })).toBe('es');
  });

  it('matches regional and script variants to the closest catalog (CLDR)', () => {
    expect(choose({ acceptLanguage: 'pt-PT' })).toBe('pt-BR');
    expect(choose({ acceptLanguage: 'pt' })).toBe('pt-BR');
    expect(choose({ acceptLanguage: 'ar-EG' })).toBe('ar');
    expect(choose({ acceptLanguage: 'de-AT,de;q=0.9' })).toBe('de');
    expect(choose({ uiLocales: 'en-GB', cookie: 'fr' })).toBe('en');
  });

  it('falls through malformed, huge and unknown values to the next hint, never throwing', () => {
    const huge = 'de,'.repeat(2000);
    const cases: string[] = ['', ' ', '!!!', 'x-', '12345', 'de_DE_EURO;;;q=x', 'zz-ZZZZ-1', 'tlh', '*', '\u0000de', huge, 'q=1;de', 'a'.repeat(300)];
    for (const value of cases) {
      expect(() => choose({ uiLocales: value, acceptLanguage: value })).not.toThrow();
      expect(choose({ uiLocales: value, cookie: 'fr' })).toBe('fr');
      expect(choose({ acceptLanguage: value, saved: 'ja' })).toBe('ja');
    }
    expect(choose({ uiLocales: huge })).toBe('en');
    // Well-formed but too long, or past the twentieth tag: not read, though German is there.
    expect(choose({ uiLocales: 'de '.repeat(200) })).toBe('en');
    expect(choose({ uiLocales: `${'ko '.repeat(20)}de` })).toBe('en');
    expect(choose({ uiLocales: `${'ko '.repeat(19)}de` })).toBe('de');
    expect(choose({ acceptLanguage: huge })).toBe('en');
    expect(choose({ cookie: '../../etc/passwd' })).toBe('en');
    expect(choose({ saved: 'ko' })).toBe('en');
  });
});
