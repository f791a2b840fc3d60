import type { Catalogs } from './catalogs.js';
import { negotiateLocale, type LocaleHints } from './negotiate.js';
import { currentLocaleHints } from './request-locale.js';
import { createTranslator, type Translator } from './translator.js';

export interface Language {
  tag: string;
  /** The language's name in itself ("Deutsch", "العربية"), as a switch shows it. */
  name: string;
}

export interface I18n {
  readonly locales: readonly string[];
  readonly defaultLocale: string;
  readonly languages: readonly Language[];
  translator(locale: string): Translator;
  /** The language for these hints (negotiate.ts), one of `locales`. */
  choose(hints: LocaleHints): string;
  /** The translator for the request being served (the default language outside a request). */
  current(): Translator;
  /** A supported tag for a value a person chose (a form field), or undefined. */
  supported(value: unknown): string | undefined;
}

function nativeName(tag: string): string {
  try {
    const name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag;
    return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
  } catch {
    return tag;
  }
}

export function createI18n(catalogs: Catalogs): I18n {
  const translators = new Map(catalogs.locales.map((tag) => [tag, createTranslator(catalogs, tag)]));
  const choose = (hints: LocaleHints) => negotiateLocale(hints, catalogs.locales, catalogs.defaultLocale);
  return {
    locales: catalogs.locales,
    defaultLocale: catalogs.defaultLocale,
    languages: catalogs.locales.map((tag) => ({ tag, name: nativeName(tag) })),
    translator: (locale) => translators.get(locale) ?? translators.get(catalogs.defaultLocale)!,
    choose,
    current: () => translators.get(choose(currentLocaleHints()))!,
    supported: (value) => (typeof value === 'string' && catalogs.locales.includes(value) ? value : undefined),
  };
}
