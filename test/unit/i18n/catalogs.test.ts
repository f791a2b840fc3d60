import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { IntlMessageFormat } from 'intl-messageformat';
import { flatten, placeholdersOf } from '../../../src/i18n/catalog-files.js';
import { BUILT_IN_LOCALES_DIRECTORY, loadCatalogs } from '../../../src/i18n/catalogs.js';
import { createI18n } from '../../../src/i18n/index.js';

const SHIPPED = ['en', 'de', 'fr', 'es', 'pt-BR', 'ja', 'ar'];
const read = (tag: string) => flatten(`${tag}.json`, JSON.parse(readFileSync(join(BUILT_IN_LOCALES_DIRECTORY, `${tag}.json`), 'utf8')));
const english = read('en');

describe('the shipped catalogs', () => {
  it('are exactly the seven languages the issue asks for', () => {
    expect(readdirSync(BUILT_IN_LOCALES_DIRECTORY).map((name) => name.replace(/\.json$/, '')).sort()).toEqual([...SHIPPED].sort());
  });

  describe.each(SHIPPED)('%s', (tag) => {
    const catalog = read(tag);

    it('has every key English has, and no other', () => {
      expect(Object.keys(catalog).filter((key) => !(key in english))).toEqual([]);
      expect(Object.keys(english).filter((key) => !(key in catalog))).toEqual([]);
    });

    it('has messages that parse as ICU MessageFormat, with the placeholders English uses', () => {
      for (const [key, message] of Object.entries(catalog)) {
        expect(() => new IntlMessageFormat(message, tag, undefined, { ignoreTag: true })).not.toThrow();
        expect([key, placeholdersOf(message)]).toEqual([key, placeholdersOf(english[key]!)]);
      }
    });

    it('is a translation, not a copy of English', () => {
      if (tag === 'en') return;
      const same = Object.keys(catalog).filter((key) => catalog[key] === english[key] && /[a-z]{4,}/.test(english[key]!.replace(/\{[^}]*\}/g, '')));
      // A few words are the same in both languages (Status, Passkeys, Details); most must differ.
      expect(same.length).toBeLessThan(Object.keys(catalog).length * 0.03);
    });
  });
});

describe('loading catalogs with an operator folder (LOCALES_DIR)', () => {
  let folder: string;
  const write = (name: string, content: unknown) => writeFileSync(join(folder, name), typeof content === 'string' ? content : JSON.stringify(content));
  const fresh = () => (folder = mkdtempSync(join(tmpdir(), 'idp-locales-')));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('overrides one message of a shipped language and keeps the rest', () => {
    fresh();
    write('de.json', { login: { heading: 'Willkommen zurück' } });
    const i18n = createI18n(loadCatalogs({ operatorDirectory: folder, defaultLocale: 'en' }));
    expect(i18n.translator('de').t('login.heading')).toBe('Willkommen zurück');
    expect(i18n.translator('de').t('login.submit')).toBe('Anmelden');
  });

  it('adds a language; keys it lacks fall back to the default language', () => {
    fresh();
    write('it.json', { login: { heading: 'Accedi' } });
    const i18n = createI18n(loadCatalogs({ operatorDirectory: folder, defaultLocale: 'en' }));
    expect(i18n.locales).toContain('it');
    expect(i18n.translator('it').t('login.heading')).toBe('Accedi');
    expect(i18n.translator('it').t('login.submit')).toBe('Sign in');
    expect(i18n.languages.find((language) => language.tag === 'it')?.name).toBe('Italiano');
  });

  it('falls back to DEFAULT_LOCALE before English, each message in its own language', () => {
    fresh();
    write('it.json', { login: { heading: 'Accedi' } });
    const i18n = createI18n(loadCatalogs({ operatorDirectory: folder, defaultLocale: 'de' }));
    expect(i18n.translator('it').t('login.submit')).toBe('Anmelden');
    expect(i18n.translator('it').t('error.tooManyAttemptsSeconds', { seconds: 2 })).toBe(i18n.translator('de').t('error.tooManyAttemptsSeconds', { seconds: 2 }));
  });

  it('refuses to start on a message that does not parse, naming the file and the key', () => {
    fresh();
    write('fr.json', { login: { lead: 'pour continuer vers {client' } });
    expect(() => loadCatalogs({ operatorDirectory: folder, defaultLocale: 'en' })).toThrow(/fr\.json key "login\.lead": does not parse/);
  });

  it('refuses other placeholders than English uses, a key English does not have, bad JSON and a bad file name', () => {
    fresh();
    write('es.json', { login: { lead: 'para continuar en {app}' } });
    expect(() => loadCatalogs({ operatorDirectory: folder, defaultLocale: 'en' })).toThrow(/es\.json key "login\.lead": uses the placeholders \{app\} where English uses \{client\}/);
    rmSync(join(folder, 'es.json'));
    write('es.json', { login: { typo: 'x' } });
    expect(() => loadCatalogs({ operatorDirectory: folder, defaultLocale: 'en' })).toThrow(/key "login\.typo": is not a message English has/);
    rmSync(join(folder, 'es.json'));
    write('es.json', '{ not json');
    expect(() => loadCatalogs({ operatorDirectory: folder, defaultLocale: 'en' })).toThrow(/es\.json: is not valid JSON/);
    rmSync(join(folder, 'es.json'));
    write('spanish.json', {});
    expect(() => loadCatalogs({ operatorDirectory: folder, defaultLocale: 'en' })).toThrow(/spanish\.json: the file name must be a language tag/);
  });

  it('refuses a DEFAULT_LOCALE without a catalog, and a folder that does not exist', () => {
    expect(() => loadCatalogs({ defaultLocale: 'ko' })).toThrow(/DEFAULT_LOCALE ko has no catalog/);
    expect(() => loadCatalogs({ operatorDirectory: '/nonexistent/idp-locales', defaultLocale: 'en' })).toThrow(/\/nonexistent\/idp-locales: cannot be read/);
    folder = mkdtempSync(join(tmpdir(), 'idp-locales-'));
  });
});

describe('a translator', () => {
  const i18n = createI18n(loadCatalogs({ defaultLocale: 'en' }));

  it('words plurals and lengths of time per language (Intl)', () => {
    expect(i18n.translator('en').t('error.tooManyAttemptsSeconds', { seconds: 1 })).toBe('Too many attempts. Please wait 1 second, then try again.');
    expect(i18n.translator('de').t('error.tooManyAttemptsSeconds', { seconds: 30 })).toContain('30 Sekunden');
    expect(i18n.translator('ar').t('account-delete.afterGrace', { days: 2 })).toContain('يومين');
    expect(i18n.translator('de').duration(86_400)).toBe('24 Stunden');
    expect(i18n.translator('ja').duration(3 * 86_400)).toBe('3 日');
  });

  it('writes dates in the language (English keeps ISO 8601), in UTC', () => {
    const when = new Date('2026-12-06T18:05:00Z');
    expect(i18n.translator('en').date(when)).toBe('2026-12-06 18:05 UTC');
    expect(i18n.translator('de').date(when)).toMatch(/6\. Dez\. 2026.*18:05.*UTC/);
    expect(i18n.translator('fr').date(when, false)).toBe('6 déc. 2026');
  });

  it('escapes text and values in tHtml, keeping only the markup the template built', () => {
    const out = i18n.translator('en').tHtml('login.lead', {}, { client: '<strong>X</strong>' });
    expect(out).toBe('to continue to <strong>X</strong>');
    const hostile = i18n.translator('en').tHtml('consent.lead', { product: '<img src=x>' }, { client: '<b>c</b>' });
    expect(hostile).toBe('<b>c</b> wants to access your &lt;img src=x&gt; account.');
  });

  it('marks Arabic right to left and the others left to right', () => {
    expect(i18n.translator('ar').dir).toBe('rtl');
    expect(['en', 'de', 'fr', 'es', 'pt-BR', 'ja'].map((tag) => i18n.translator(tag).dir)).toEqual(Array(6).fill('ltr'));
  });

  it('shows a key no catalog has as given, and a message object by its fallback', () => {
    expect(i18n.translator('de').t('Plain operator text')).toBe('Plain operator text');
    expect(i18n.translator('de').t({ key: 'error.NO_SUCH_CODE', fallback: 'English detail' })).toBe('English detail');
  });
});
