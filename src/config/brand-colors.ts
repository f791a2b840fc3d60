/**
 * The operator's brand colours (BRAND_*), checked at start against the colours of public/idp.css they
 * sit on or under, with the WCAG 2.x contrast ratio. A colour that would make text on the hosted pages
 * fall below AA (4.5:1) stops the start with the variable name and the ratio: an unreadable sign-in
 * page is a fault to fix before it ships, not a warning to scroll past.
 */

/** Colours of public/idp.css the brand colours are checked against (keep in step with that file). */
export const BASE_PALETTE = {
  light: { card: '#ffffff', ink: '#1d2433', muted: '#5b6475' },
  dark: { card: '#1c2029', ink: '#e7e9ee', muted: '#a3aab8' },
} as const;

/** Text and normal-size link contrast, WCAG 2.x success criterion 1.4.3 (level AA). */
export const AA_TEXT_CONTRAST = 4.5;

export const HEX_COLOR = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

export interface BrandColors {
  primary?: string;
  background?: string;
  primaryDark?: string;
  backgroundDark?: string;
}

/** #abc → #aabbcc, lower case: the one spelling brand.css writes. */
export function normalizeHex(color: string): string {
  const hex = color.slice(1).toLowerCase();
  return `#${hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex}`;
}

function channels(color: string): [number, number, number] {
  const hex = normalizeHex(color).slice(1);
  return [0, 2, 4].map((start) => parseInt(hex.slice(start, start + 2), 16)) as [number, number, number];
}

/** Relative luminance, WCAG 2.x definition (sRGB, 0 for black to 1 for white). */
export function luminance(color: string): number {
  const [r, g, b] = channels(color).map((value) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** Black or white, whichever reads better on `background` (always at least 4.58:1). */
export function readableInk(background: string): string {
  return contrastRatio(background, '#000000') >= contrastRatio(background, '#ffffff') ? '#000000' : '#ffffff';
}

/** `rgba()` of a colour at an opacity, for the soft ring around a focused field. */
export function withAlpha(color: string, alpha: number): string {
  return `rgba(${channels(color).join(', ')}, ${alpha})`;
}

/**
 * The problems of a colour set, one line each naming the variable; empty when every pairing passes AA.
 * The primary colour is link text on the card; the background is under the product name and footer.
 */
export function contrastProblems(colors: BrandColors): string[] {
  const problems: string[] = [];
  const check = (name: string, foreground: string, background: string, against: string) => {
    const ratio = contrastRatio(foreground, background);
    if (ratio < AA_TEXT_CONTRAST) problems.push(`${name}: contrast ${ratio.toFixed(2)}:1 ${against} is below the 4.5:1 of WCAG AA`);
  };
  if (colors.primary) check('BRAND_PRIMARY_COLOR', colors.primary, BASE_PALETTE.light.card, 'with the white card (links)');
  if (colors.primaryDark) check('BRAND_PRIMARY_COLOR_DARK', colors.primaryDark, BASE_PALETTE.dark.card, `with the dark card ${BASE_PALETTE.dark.card} (links)`);
  if (colors.background) check('BRAND_BACKGROUND_COLOR', BASE_PALETTE.light.muted, colors.background, `of the footer text ${BASE_PALETTE.light.muted} on it`);
  if (colors.backgroundDark) check('BRAND_BACKGROUND_COLOR_DARK', BASE_PALETTE.dark.muted, colors.backgroundDark, `of the footer text ${BASE_PALETTE.dark.muted} on it`);
  return problems;
}
