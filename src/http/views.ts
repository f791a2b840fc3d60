import { fileURLToPath } from 'node:url';
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

export type RenderPage = (template: string, data: Record<string, unknown>) => string;

/**
 * Server-side templates (Eta) with HTML escaping on by default: `<%= %>` escapes, and no template
 * uses the raw form on user-supplied values. Templates are cached after the first render. A theme
 * (THEME_DIR, src/http/theme.ts) replaces templates of the same name.
 */
export function createRenderer(branding: Branding, theme?: Theme): RenderPage {
  const eta = themedEta({ views: VIEWS_DIRECTORY, autoEscape: true, cache: true, defaultExtension: '.eta' }, theme);
  return (template, data) => eta.render(`pages/${template}`, { branding, ...data });
}
