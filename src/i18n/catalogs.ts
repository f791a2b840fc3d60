import { fileURLToPath } from 'node:url';
import type { MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import { CatalogError, parseMessage, placeholdersOf, readCatalogFolder, type Messages } from './catalog-files.js';

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

/** A parsed message, compiled (IntlMessageFormat resolves its locale and sets up formatters) when first shown. */
interface Entry {
  tag: string;
  ast: MessageFormatElement[];
  compiled?: IntlMessageFormat;
}

/**
 * Loads the shipped catalogs and the operator's folder (LOCALES_DIR), which adds languages or overrides
 * single messages. Every message is parsed now, so a broken one stops the start with its file and key
 * rather than failing a person's page later; an override must use the same placeholders as English.
 * A message is compiled from its parse the first time a page or mail needs it: a process shows few of
 * them, and compiling every one was most of the time loading took.
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

  // English first: its placeholders are the ones every other language must use.
  const parsed = new Map<string, Map<string, Entry>>();
  const englishPlaceholders = new Map<string, string[]>();
  for (const tag of ['en', ...[...merged.keys()].filter((tag) => tag !== 'en')]) {
    const locale = new Intl.Locale(tag);
    const forTag = new Map<string, Entry>();
    for (const [key, { file, message }] of merged.get(tag)!) {
      const ast = parseMessage(file, key, locale, message);
      const actual = placeholdersOf(ast);
      if (tag === 'en') englishPlaceholders.set(key, actual);
      const expected = englishPlaceholders.get(key);
      if (!expected) throw new CatalogError(file, key, 'is not a message English has (a typo in the key?)');
      if (actual.join() !== expected.join()) {
        throw new CatalogError(file, key, `uses the placeholders {${actual.join('}, {')}} where English uses {${expected.join('}, {')}}`);
      }
      forTag.set(key, { tag, ast });
    }
    parsed.set(tag, forTag);
  }

  const [defaultLocale] = Intl.getCanonicalLocales(options.defaultLocale) as [string];
  if (!parsed.has(defaultLocale)) throw new CatalogError(options.operatorDirectory ?? BUILT_IN_LOCALES_DIRECTORY, undefined, `DEFAULT_LOCALE ${defaultLocale} has no catalog`);
  const locales = [defaultLocale, ...[...parsed.keys()].filter((tag) => tag !== defaultLocale).sort()];
  return {
    locales,
    defaultLocale,
    find(locale, key) {
      const entry = parsed.get(locale)?.get(key) ?? parsed.get(defaultLocale)!.get(key) ?? parsed.get('en')!.get(key);
      if (entry) entry.compiled ??= new IntlMessageFormat(entry.ast, entry.tag);
      return entry?.compiled;
    },
  };
}
