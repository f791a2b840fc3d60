import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { wcagViolations } from '../support/axe.js';
import { collectConsoleProblems, describeInBrowser, launchChromium, saveScreenshot } from '../support/browser.js';
import { startTour, type Tour } from '../support/hosted-pages.js';
import { startAuthorization, type RegisteredClient } from '../support/relying-party.js';

const PRIMARY = '#0b5c3b';
const BACKGROUND = '#eef4f0';

/**
 * The operator's branding (BRAND_* colours through /assets/brand.css, a theme's theme.css, the support
 * link and favicon) and a client's own logo and links, as Chromium renders them under the strict CSP:
 * the colours apply, nothing is inline, the logo loads, and the pages still pass WCAG 2.2 AA in both
 * colour schemes.
 */
describeInBrowser('branding of the hosted pages in Chromium', () => {
  let tour: Tour;
  let browser: Browser;
  let branded: RegisteredClient;
  let themeDir: string;

  beforeAll(async () => {
    themeDir = mkdtempSync(join(tmpdir(), 'idp-theme-'));
    mkdirSync(join(themeDir, 'partials'));
    writeFileSync(join(themeDir, 'theme.css'), '.brand-name { text-transform: uppercase; letter-spacing: .08em; }\n');
    tour = await startTour((site) => ({
      BRAND_PRIMARY_COLOR: PRIMARY,
      BRAND_BACKGROUND_COLOR: BACKGROUND,
      PRODUCT_SUPPORT_URL: 'mailto:help@acme.example',
      PRODUCT_FAVICON_URL: `${site.origin}/logo.svg?icon`,
      THEME_DIR: themeDir,
    }));
    const { client, clientSecret } = await tour.container.clients.createClient({
      name: 'Acme Notes', type: 'web', redirectUris: [tour.site.callbackUrl], postLogoutRedirectUris: [],
      logoUri: tour.site.logoUrl, policyUri: `${tour.site.origin}/privacy`, tosUri: `${tour.site.origin}/terms`,
    });
    const config = await oidc.discovery(new URL(tour.issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    branded = { clientId: client.client_id, clientSecret, config };
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await tour?.close();
    rmSync(themeDir, { recursive: true, force: true });
  });

  const styleOf = (page: Page, selector: string, property: string) => page.locator(selector).first().evaluate((node, name) => getComputedStyle(node).getPropertyValue(name), property);

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`colours, theme, support link and the client's logo and links on login and consent (${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme });
      const page = await context.newPage();
      const problems = collectConsoleProblems(page);
      await page.goto((await startAuthorization(branded, { redirect_uri: tour.site.callbackUrl })).url.href);

      expect(await page.locator('link[rel=stylesheet]').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).toEqual(['/assets/idp.css', '/assets/brand.css', '/assets/theme.css']);
      expect(await styleOf(page, 'button.primary', 'background-color')).toBe('rgb(11, 92, 59)');
      expect(await styleOf(page, 'button.primary', 'color')).toBe('rgb(255, 255, 255)');
      expect(await styleOf(page, 'body', 'background-color')).toBe(colorScheme === 'light' ? 'rgb(238, 244, 240)' : 'rgb(20, 23, 31)');
      expect(await styleOf(page, '.brand-name', 'text-transform')).toBe('uppercase');
      expect(await page.getByRole('link', { name: 'Get help' }).getAttribute('href')).toBe('mailto:help@acme.example');
      expect(await page.locator('link[rel=icon]').getAttribute('href')).toBe(`${tour.site.origin}/logo.svg?icon`);
      expect(await page.locator('.client-logo').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      expect(await page.getByRole('link', { name: 'Privacy policy' }).getAttribute('href')).toBe(`${tour.site.origin}/privacy`);
      expect(await page.getByRole('link', { name: 'Terms of service' }).getAttribute('href')).toBe(`${tour.site.origin}/terms`);
      expect(await page.locator('script:not([src]), style, [style]').count()).toBe(0);
      expect(await wcagViolations(page)).toEqual([]);
      await saveScreenshot(page, `pages-branded-login-${colorScheme}`);

      const person = await tour.person();
      await page.getByLabel('Email').fill(person.email);
      await page.getByLabel('Password', { exact: true }).fill(person.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      expect(await page.locator('.client-logo').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      expect(await wcagViolations(page)).toEqual([]);
      await saveScreenshot(page, `pages-branded-consent-${colorScheme}`);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
