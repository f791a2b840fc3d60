import { fileURLToPath } from 'node:url';
import type { IntlMessageFormat } from 'intl-messageformat';
import { CatalogError, compileMessage, placeholdersOf, readCatalogFolder, type Messages } from './catalog-files.js';

/** The catalogs shipped with the server: locales/<tag>.json. */
export const BUILT_IN_LOCALES_DIRECTORY = fileURLToPath(new URL('../../locales', import.meta.url));

/** A message to show, by key, with the values of its placeholders; `fallback` is shown when no catalog has the key. */
export interface Msg {
  key: string;
  values?: Record<string, unknown>;
  fallback?: string;
}

export const msg = (key: string, values?: Record<string, unknown>): Msg => ({ key, values });

/** What a template can say: a catalog key, or a message with values. */
export type Text = string | Msg;

export interface Catalogs {
  /** Every language with a catalog, the default first. */
  readonly locales: readonly string[];
  readonly defaultLocale: string;
  /** The compiled message for a key: the locale's own, else the default language's, else English's. */
  find(locale: string, key: string): IntlMessageFormat | undefined;
}

/** Scripts written right to left (Arabic, Hebrew, Persian, Urdu, …), by language. */
const RIGHT_TO_LEFT = new Set(['ar', 'fa', 'he', 'ps', 'ur', 'yi', 'dv', 'ckb', 'sd', 'ug']);

export function directionOf(locale: string): 'ltr' | 'rtl' {
  try {
    // Intl.Locale#getTextInfo is in V8 (Node 24); the list covers runtimes without it.
    const info = (new Intl.Locale(locale) as Intl.Locale & { getTextInfo?: () => { direction?: string } }).getTextInfo?.();
    if (info?.direction === 'rtl' || info?.direction === 'ltr') return info.direction;
  } catch {
    /* an odd tag: decide by its language below */
  }
  return RIGHT_TO_LEFT.has(locale.split('-')[0]!.toLowerCase()) ? 'rtl' : 'ltr';
}

/**
 * Loads the shipped catalogs and the operator's folder (LOCALES_DIR), which adds languages or overrides
 * single messages. Every message is compiled now, so a broken one stops the start with its file and key
 * rather than failing a person's page later; an override must use the same placeholders as English.
 */
export function loadCatalogs(options: { operatorDirectory?: string; defaultLocale: string; builtInDirectory?: string }): Catalogs {
  const builtIn = readCatalogFolder(options.builtInDirectory ?? BUILT_IN_LOCALES_DIRECTORY);
  if (!builtIn.has('en')) throw new CatalogError(options.builtInDirectory ?? BUILT_IN_LOCALES_DIRECTORY, undefined, 'has no en.json');
  // Per language, each key's message and the file it came from (an operator's file overrides ours).
  const merged = new Map<string, Map<string, { file: string; message: string }>>();
  const add = (tag: string, file: string, messages: Messages) => {
    const target = merged.get(tag) ?? new Map<string, { file: string; message: string }>();
    for (const [key, message] of Object.entries(messages)) target.set(key, { file, message });
    merged.set(tag, target);
  };
  for (const [tag, catalog] of builtIn) add(tag, catalog.file, catalog.messages);
  if (options.operatorDirectory) for (const [tag, catalog] of readCatalogFolder(options.operatorDirectory)) add(tag, catalog.file, catalog.messages);

  const compiled = new Map<string, Map<string, IntlMessageFormat>>();
  const englishPlaceholders = new Map([...merged.get('en')!].map(([key, { message }]) => [key, placeholdersOf(message)]));
  for (const [tag, catalog] of merged) {
    const forTag = new Map<string, IntlMessageFormat>();
    for (const [key, { file, message }] of catalog) {
      forTag.set(key, compileMessage(file, key, tag, message));
      const expected = englishPlaceholders.get(key);
      if (!expected) throw new CatalogError(file, key, 'is not a message English has (a typo in the key?)');
      const actual = placeholdersOf(message);
      if (actual.join() !== expected.join()) {
        throw new CatalogError(file, key, `uses the placeholders {${actual.join('}, {')}} where English uses {${expected.join('}, {')}}`);
      }
    }
    compiled.set(tag, forTag);
  }

  const [defaultLocale] = Intl.getCanonicalLocales(options.defaultLocale) as [string];
  if (!compiled.has(defaultLocale)) throw new CatalogError(options.operatorDirectory ?? BUILT_IN_LOCALES_DIRECTORY, undefined, `DEFAULT_LOCALE ${defaultLocale} has no catalog`);
  const locales = [defaultLocale, ...[...compiled.keys()].filter((tag) => tag !== defaultLocale).sort()];
  return {
    locales,
    defaultLocale,
    find: (locale, key) => compiled.get(locale)?.get(key) ?? compiled.get(defaultLocale)!.get(key) ?? compiled.get('en')!.get(key),
  };
}
