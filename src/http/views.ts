import { fileURLToPath } from 'node:url';
import type { Eta } from 'eta';
import type { I18n } from '../i18n/index.js';
import { currentReturnTo } from '../i18n/request-locale.js';
import { escapeHtml, templateLanguage } from '../i18n/translator.js';
import { themedEta, type Theme } from './theme.js';

export const VIEWS_DIRECTORY = fileURLToPath(new URL('../../views', import.meta.url));

export interface Branding {
  productName: string;
  logoUrl?: string;
  /** PRODUCT_FAVICON_URL; the layout falls back to the logo, then to a built-in data: icon. */
  faviconUrl?: string;
  /** PRODUCT_SUPPORT_URL: the "Get help" link in the footer of every hosted page. */
  supportUrl?: string;
  /** Same-origin stylesheets linked after /assets/idp.css: /assets/brand.css, /assets/theme.css. */
  stylesheets?: string[];
}

/**
 * Markup for the `html` values of `it.tHtml`: data (names, addresses) inside a translated sentence. Marked
 * translate="no": it is not text of ours, and the catalog test knows it is data.
 */
const markup = {
  esc: escapeHtml,
  strong: (value: unknown) => `<strong translate="no">${escapeHtml(String(value ?? ''))}</strong>`,
  data: (value: unknown) => `<span translate="no">${escapeHtml(String(value ?? ''))}</span>`,
  // `anchor`, not `link`: a page whose own optional `link` is absent (notice.eta) would get this function.
  anchor: (href: string, text: string) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`,
};

export type RenderPage = (template: string, data: Record<string, unknown>) => string;

/**
 * An Eta engine over views/ (a theme's templates winning, src/http/theme.ts), escaping `<%= %>` and
 * caching templates after the first render unless `options` say otherwise; pages and mails share it.
 */
export function createViewsEta(theme?: Theme, options: Partial<ConstructorParameters<typeof Eta>[0]> = {}): Eta {
  return themedEta({ views: VIEWS_DIRECTORY, autoEscape: true, cache: true, defaultExtension: '.eta', ...options }, theme);
}

/**
 * Server-side templates (Eta) with HTML escaping on by default: `<%= %>` escapes, and no template
 * uses the raw form on user-supplied values. Templates are cached after the first render. A theme
 * (THEME_DIR, src/http/theme.ts) replaces templates of the same name.
 * Every page gets the request's language (i18n/): `it.t(key)` for text, `it.lang`/`it.dir` for <html>.
 */
export function createRenderer(branding: Branding, i18n: I18n, theme?: Theme): RenderPage {
  const eta = createViewsEta(theme);
  return (template, data) => {
    const tr = i18n.current();
    const language = { ...templateLanguage(tr), ...markup };
    const languageSwitch = { languages: i18n.languages, current: tr.locale, returnTo: currentReturnTo() };
    return eta.render(`pages/${template}`, { branding, ...language, languageSwitch, ...data });
  };
}
