import { describe, expect, it } from '@jest/globals';
import { contrastRatio, readableInk } from '../../../src/config/brand-colors.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { brandStylesheet } from '../../../src/http/brand-stylesheet.js';

const base = { SERVER_SECRET: 'a-server-secret-that-is-long-enough-0123456789', DATA_DIR: '/nonexistent-not-read' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

describe('brand colours (BRAND_*)', () => {
  it('computes the WCAG contrast ratio', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(readableInk('#ffdd00')).toBe('#000000');
    expect(readableInk('#0b3d91')).toBe('#ffffff');
  });

  it('takes #rgb and #rrggbb, in any case, and writes them as #rrggbb', () => {
    const { config } = load({ BRAND_PRIMARY_COLOR: '#0B3D91', BRAND_BACKGROUND_COLOR: '#fff' });
    expect(config.brand.colors).toEqual({ primary: '#0b3d91', background: '#ffffff' });
  });

  it.each([
    ['red'],
    ['#12345'],
    ['#1234567'],
    ['#12345g'],
    ['0b3d91'],
    ['#fff;} body{display:none'],
    ['url(https://evil.example/x)'],
    ['rgb(1,2,3)'],
  ])('refuses %j: only a hex colour can reach brand.css', (value) => {
    expect(() => load({ BRAND_PRIMARY_COLOR: value })).toThrow(/BRAND_PRIMARY_COLOR: must be a hex colour/);
  });

  it('refuses at start a primary colour too light for links on the white card, naming the ratio', () => {
    expect(() => load({ BRAND_PRIMARY_COLOR: '#ffcc00' })).toThrow(ConfigError);
    expect(() => load({ BRAND_PRIMARY_COLOR: '#ffcc00' })).toThrow(/BRAND_PRIMARY_COLOR: contrast 1\.\d\d:1 with the white card \(links\) is below the 4\.5:1 of WCAG AA/);
    expect(() => load({ BRAND_PRIMARY_COLOR: '#777777' })).toThrow(/contrast 4\.48:1/);
    expect(() => load({ BRAND_PRIMARY_COLOR: '#767676' })).not.toThrow();
  });

  it('refuses backgrounds under which the footer text is unreadable, in either scheme', () => {
    expect(() => load({ BRAND_BACKGROUND_COLOR: '#333333' })).toThrow(/BRAND_BACKGROUND_COLOR: contrast/);
    expect(() => load({ BRAND_BACKGROUND_COLOR_DARK: '#eeeeee' })).toThrow(/BRAND_BACKGROUND_COLOR_DARK: contrast/);
    expect(() => load({ BRAND_PRIMARY_COLOR_DARK: '#0b3d91' })).toThrow(/BRAND_PRIMARY_COLOR_DARK: contrast/);
    expect(() => load({ BRAND_BACKGROUND_COLOR: '#eef2f7', BRAND_BACKGROUND_COLOR_DARK: '#0d1117', BRAND_PRIMARY_COLOR_DARK: '#79c0ff' })).not.toThrow();
  });

  it('writes brand.css with the light values outside the dark scheme only', () => {
    expect(brandStylesheet({})).toBeUndefined();
    const css = brandStylesheet({ primary: '#0b3d91', background: '#eef2f7' })!;
    expect(css).toContain('@media not all and (prefers-color-scheme: dark) {\n  :root { --accent: #0b3d91; --accent-ink: #ffffff; --ring: rgba(11, 61, 145, 0.35); --link: #0b3d91; --bg: #eef2f7; }');
    // The dark scheme keeps its own link colour (the light primary was not checked against it), but buttons take the brand.
    expect(css).toContain('@media (prefers-color-scheme: dark) {\n  :root { --accent: #0b3d91; --accent-ink: #ffffff; --ring: rgba(11, 61, 145, 0.35); }');
  });

  it('takes favicon and support links as http(s) (mailto: for support), nothing else', () => {
    expect(load({ PRODUCT_SUPPORT_URL: 'mailto:help@example.com', PRODUCT_FAVICON_URL: 'https://cdn.example.com/icon.png' }).config.product).toMatchObject({
      supportUrl: 'mailto:help@example.com',
      faviconUrl: 'https://cdn.example.com/icon.png',
    });
    expect(() => load({ PRODUCT_SUPPORT_URL: 'javascript:alert(1)' })).toThrow(/PRODUCT_SUPPORT_URL/);
    expect(() => load({ PRODUCT_FAVICON_URL: 'data:image/png;base64,AAAA' })).toThrow(/PRODUCT_FAVICON_URL/);
  });
});
