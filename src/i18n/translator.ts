import { directionOf, type Catalogs, type Msg, type Text } from './catalogs.js';

export interface Translator {
  locale: string;
  dir: 'ltr' | 'rtl';
  /** A message as plain text (templates escape it). A string is a key; a key no catalog has is shown as is. */
  t(text: Text | undefined | null, values?: Record<string, unknown>): string;
  /**
   * A message as HTML: its text escaped, and the placeholders named in `html` filled with markup the
   * template built (a link whose own text is a message). For sentences that hold a link.
   */
  tHtml(key: string, values: Record<string, unknown>, html: Record<string, string>): string;
  /** A date (and time, in UTC) in the language's own way: 6 Dec 2026, 18:05 UTC. */
  date(value: Date | string | null | undefined, withTime?: boolean): string;
  /** A count in the language's digits and grouping. */
  number(value: number): string;
  /** A length of time in whole days, hours, minutes or seconds, with the language's plural: "24 hours", "24 Stunden". */
  duration(seconds: number): string;
}

/**
 * What a template, page or mail, gets from its language: `it.lang` and `it.dir` for <html>, `it.t` and
 * `it.tHtml` for text, `it.date`, `it.number` and `it.duration` for values written the language's way.
 */
export function templateLanguage(tr: Translator) {
  return { lang: tr.locale, dir: tr.dir, t: tr.t, tHtml: tr.tHtml, date: tr.date, number: tr.number, duration: tr.duration };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const isMsg = (value: unknown): value is Msg => typeof value === 'object' && value !== null && typeof (value as Msg).key === 'string' && !(value instanceof Date);

export function createTranslator(catalogs: Catalogs, locale: string): Translator {
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const dateTimes = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
  const numbers = new Intl.NumberFormat(locale);
  const units = new Map<string, Intl.NumberFormat>();
  const unitFormat = (unit: string) => {
    let formatter = units.get(unit);
    if (!formatter) units.set(unit, (formatter = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' })));
    return formatter;
  };
  const isoDates = locale === 'en';
  const format = (key: string, values: Record<string, unknown> | undefined): string | undefined => {
    const message = catalogs.find(locale, key);
    if (!message) return undefined;
    // A value may itself be a message ("See your name" inside "{scope}: {claims}"): translate it first.
    // An empty value is the `empty` case of a select ("{ip, select, empty {unknown} other {{ip}}}"):
    // ICU cannot name an empty string as a case.
    const resolved = values && Object.fromEntries(Object.entries(values).map(([name, value]) => [name, isMsg(value) ? t(value) : value === '' ? 'empty' : value]));
    return String(message.format(resolved as Record<string, string>));
  };
  const t: Translator['t'] = (text, values) => {
    if (text === undefined || text === null) return '';
    if (typeof text === 'string') return format(text, values) ?? text;
    const message: Msg = text;
    return format(message.key, { ...message.values, ...values }) ?? message.fallback ?? message.key;
  };
  return {
    locale,
    dir: directionOf(locale),
    t,
    tHtml(key, values, html) {
      // Each markup value stands in as a token no message contains, the whole text is escaped, then
      // the tokens become the markup: nothing from the catalog or the values reaches the page unescaped.
      const tokens: Record<string, string> = {};
      Object.keys(html).forEach((name, index) => (tokens[name] = `\u0000${index}\u0000`));
      let out = escapeHtml(t(key, { ...values, ...tokens }));
      Object.keys(html).forEach((name, index) => (out = out.split(`\u0000${index}\u0000`).join(html[name]!)));
      return out;
    },
    date(value, withTime = true) {
      if (value === null || value === undefined || value === '') return '';
      const when = value instanceof Date ? value : new Date(value);
      if (Number.isNaN(when.getTime())) return String(value);
      // English keeps the ISO 8601 form the pages always showed (2026-12-06 18:05 UTC): unambiguous
      // between British and American readers. Every other language gets its own Intl style.
      if (isoDates) return withTime ? `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC` : when.toISOString().slice(0, 10);
      return (withTime ? dateTimes : dates).format(when);
    },
    number: (value) => numbers.format(value),
    duration(seconds) {
      const [amount, unit] =
        seconds % 86_400 === 0 && seconds >= 172_800 ? [seconds / 86_400, 'day']
        : seconds % 3600 === 0 && seconds > 0 ? [seconds / 3600, 'hour']
        : seconds >= 60 ? [Math.round(seconds / 60), 'minute']
        : [seconds, 'second'];
      return unitFormat(unit).format(amount);
    },
  };
}
