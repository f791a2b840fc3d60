import { describe, expect, it } from '@jest/globals';
import { createPasswordPolicy } from '../../../src/accounts/password-policy.js';
import { describeDevice as describeDeviceMessage } from '../../../src/accounts/routes/device.js';
import { safeReturnPath } from '../../../src/accounts/links.js';
import { createI18n } from '../../../src/i18n/index.js';
import { loadCatalogs } from '../../../src/i18n/catalogs.js';

const english = createI18n(loadCatalogs({ defaultLocale: 'en' })).translator('en');

const policy = createPasswordPolicy({ minLength: 15, minLengthWithMfa: 8, maxLength: 64 });
const context = { productName: 'Acme ID', email: 'jo.smith@example.com', name: 'Jo Smith' };
const problem = (password: string, extra: Partial<typeof context & { hasSecondFactor: boolean }> = {}) => policy.check(password, { ...context, ...extra }).problem;

describe('password policy (NIST SP 800-63B)', () => {
  it('needs 15 characters as the only factor and 8 with a second one', () => {
    expect(problem('fourteen chars')).toBe('too_short');
    expect(problem('fifteen chars!!')).toBeUndefined();
    expect(problem('eight ch', { hasSecondFactor: true })).toBeUndefined();
    expect(problem('seven c', { hasSecondFactor: true })).toBe('too_short');
  });

  it('counts code points after NFKC, not bytes or UTF-16 units', () => {
    const animals = '🐶🐱🐭🐹🐰🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵'; // 15 code points, 30 UTF-16 units, 60 bytes
    expect([...animals]).toHaveLength(15);
    expect(problem(animals)).toBeUndefined();
    expect(problem([...animals].slice(1).join(''))).toBe('too_short');
    expect(problem(animals.repeat(4))).toBeUndefined();
    expect(problem(animals.repeat(4) + '🐔🐧🐦🐤🦆')).toBe('too_long');
    // The ligature ﬀ is two letters once normalised, as the hasher sees it.
    expect([...'oﬀ the coastal']).toHaveLength(14);
    expect(problem('oﬀ the coastal')).toBeUndefined();
    expect(problem('on the coastal')).toBe('too_short');
  });

  it('allows spaces and any characters, and imposes no composition rules', () => {
    expect(policy.check('all lower case words here', context).ok).toBe(true);
    expect(policy.check('   leading and trailing   ', context).ok).toBe(true);
    expect(policy.check('zzzzqqqqwwwwxxxxvvvv', context).ok).toBe(true);
  });

  it('refuses common and breached passwords, also with spaces or capitals', () => {
    expect(problem('passwordpassword')).toBe('common');
    expect(problem('PasswordPassword')).toBe('common');
    expect(problem('password password')).toBe('common');
    expect(problem('123456789987654321')).toBe('common');
    expect(problem('password', { hasSecondFactor: true })).toBe('common');
  });

  it('refuses repetition of a few characters', () => {
    expect(problem('aaaaaaaaaaaaaaaa')).toBe('repetitive');
    expect(problem('abcabcabcabcabcabc')).toBe('repetitive');
  });

  it('refuses passwords built from the product name, the email or the name', () => {
    expect(problem('jo.smith@example.com')).toBe('context');
    expect(problem('Acme ID Jo Smith 2026')).toBe('context');
    expect(problem('smith smith smith!!')).toBe('context');
    expect(problem('examplecom123456')).toBe('context');
    // A real passphrase that happens to contain the name is fine.
    expect(problem('jo likes long walks by the sea')).toBeUndefined();
    expect(policy.check('jo.smith@example.com', { productName: 'Acme ID' }).ok).toBe(true);
  });

  it('tells the person what to do', () => {
    expect(policy.check('short', context).message).toBe('Use at least 15 characters. A few ordinary words with spaces make a good password.');
    expect(policy.check('Acme ID Jo Smith 2026', context).message).toBe('Do not build the password from your name, your email address or the name Acme ID.');
  });
});

describe('account page helpers', () => {
  it('names devices from their user agent (in the language of the page: catalog keys device.*)', () => {
    const describeDevice = (userAgent: string | null) => english.t(describeDeviceMessage(userAgent));
    expect(describeDevice('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0')).toBe('Edge on Windows');
    expect(describeDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile Safari/604.1')).toBe('Safari on iOS');
    expect(describeDevice('curl/8.5.0')).toBe('Other device');
    expect(describeDevice(null)).toBe('Unknown device');
  });

  it('returns only to this server\'s own pages', () => {
    expect(safeReturnPath('/interaction/abc_DEF-123')).toBe('/interaction/abc_DEF-123');
    expect(safeReturnPath('/account/email')).toBe('/account/email');
    for (const value of ['https://evil.example/', '//evil.example', '/interaction/../admin', '/account/email?x=1', '/\\evil', 42, undefined]) {
      expect(safeReturnPath(value)).toBeUndefined();
    }
  });
});
