import { match } from '@formatjs/intl-localematcher';
import Negotiator from 'negotiator';

/** Longer inputs are not read at all: no language list a browser or an app sends comes close. */
const MAX_INPUT_LENGTH = 512;
const MAX_TAGS = 20;
const NO_MATCH = 'und';

/** Where a language preference came from, highest first (docs/branding.md "Languages"). */
export interface LocaleHints {
  /** OpenID Connect `ui_locales` of the authorization request: space-separated tags, first preferred. */
  uiLocales?: string;
  /** The person's saved choice on their account. */
  saved?: string | null;
  /** The language switch's cookie. */
  cookie?: string;
  /** The browser's Accept-Language header. */
  acceptLanguage?: string;
}

/** Tags that are valid BCP 47, canonicalised; anything else is dropped without an error. */
function validTags(tags: readonly string[]): string[] {
  const valid: string[] = [];
  for (const tag of tags.slice(0, MAX_TAGS)) {
    try {
      valid.push(...Intl.getCanonicalLocales(tag));
    } catch {
      /* malformed: ignored */
    }
  }
  return valid;
}

/** The best supported language for a list of wishes, or undefined (CLDR matching: de-AT → de, pt → pt-BR). */
export function bestMatch(wishes: readonly string[], supported: readonly string[]): string | undefined {
  const tags = validTags(wishes);
  if (!tags.length) return undefined;
  try {
    const found = match(tags, supported as string[], NO_MATCH, { algorithm: 'best fit' });
    // CLDR's distance table would hand any unknown language English (and Catalan Spanish); only a
    // catalog in one of the languages asked for is a match, so the next hint gets its turn.
    const language = (tag: string) => new Intl.Locale(tag).language;
    return found !== NO_MATCH && tags.some((tag) => language(tag) === language(found)) ? found : undefined;
  } catch {
    return undefined;
  }
}

function acceptLanguageTags(header: string): string[] {
  return new Negotiator({ headers: { 'accept-language': header } }).languages().filter((tag) => tag !== '*');
}

/**
 * Chooses the language of a page or a mail: the first hint that names a supported language wins, in the
 * order ui_locales, saved preference, cookie, Accept-Language; else the default. Malformed, huge or
 * unknown values only fall through to the next hint; this never throws.
 */
export function negotiateLocale(hints: LocaleHints, supported: readonly string[], defaultLocale: string): string {
  const inOrder: Array<[input: string | null | undefined, tagsOf: (input: string) => string[]]> = [
    [hints.uiLocales, (input) => input.split(' ').filter(Boolean)],
    [hints.saved, (input) => [input]],
    [hints.cookie, (input) => [input]],
    [hints.acceptLanguage, acceptLanguageTags],
  ];
  for (const [input, tagsOf] of inOrder) {
    if (!input || input.length > MAX_INPUT_LENGTH) continue;
    const found = bestMatch(tagsOf(input), supported);
    if (found) return found;
  }
  return defaultLocale;
}
