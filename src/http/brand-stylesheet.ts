import { readableInk, withAlpha, type BrandColors } from '../config/brand-colors.js';

/**
 * /assets/brand.css: the operator's BRAND_* colours as the custom properties of public/idp.css, so
 * the colours reach the pages through a same-origin stylesheet (the CSP allows no inline style).
 * Built once at start from values the config already checked as #rrggbb and for contrast; nothing
 * else can reach the file. Undefined when no colour is set: the pages then link no brand.css.
 *
 * Light values apply outside the dark scheme only, so a light brand colour never replaces the dark
 * palette's link colour (which it was not checked against). In the dark scheme the light primary
 * still colours the buttons (with black or white text, whichever reads better) unless
 * BRAND_PRIMARY_COLOR_DARK is set, which then colours links too.
 */
export function brandStylesheet(colors: BrandColors): string | undefined {
  const light: string[] = [];
  const dark: string[] = [];
  const accent = (into: string[], color: string) =>
    into.push(`--accent: ${color};`, `--accent-ink: ${readableInk(color)};`, `--ring: ${withAlpha(color, 0.35)};`);
  if (colors.primary) {
    accent(light, colors.primary);
    light.push(`--link: ${colors.primary};`);
  }
  if (colors.background) light.push(`--bg: ${colors.background};`);
  if (colors.primaryDark) {
    accent(dark, colors.primaryDark);
    dark.push(`--link: ${colors.primaryDark};`);
  } else if (colors.primary) accent(dark, colors.primary);
  if (colors.backgroundDark) dark.push(`--bg: ${colors.backgroundDark};`);
  if (!light.length && !dark.length) return undefined;
  const block = (media: string, lines: string[]) => (lines.length ? `@media ${media} {\n  :root { ${lines.join(' ')} }\n}\n` : '');
  return `/* Generated at start from the BRAND_* settings (docs/branding.md). */\n${block('not all and (prefers-color-scheme: dark)', light)}${block('(prefers-color-scheme: dark)', dark)}`;
}
