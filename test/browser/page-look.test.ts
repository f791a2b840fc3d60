import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import {
  collectConsoleProblems,
  describeInBrowser,
  launchChromium,
  registerSiteClient,
  saveScreenshot,
  startRelyingPartySite,
  type RelyingPartySite,
} from '../support/browser.js';
import { startAuthorization, type RegisteredClient } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

/** A laptop, and a 390px-wide phone (iPhone 12 to 15 class), in light and dark colour schemes. */
const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { name: 'mobile', viewport: { width: 390, height: 844 }, colorScheme: 'light', isMobile: true, hasTouch: true },
  { name: 'desktop-dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
] as const;

/**
 * Walks through every hosted page with the product's own name and logo, checks what can be checked
 * by machine (branding, the logo loads under the CSP, nothing overflows sideways, no console errors)
 * and keeps screenshots in test-artifacts/browser/ for a person to judge the rest.
 */
describeInBrowser('how the hosted pages look in Chromium', () => {
  let site: RelyingPartySite;
  let server: TestServer;
  let client: RegisteredClient;
  let browser: Browser;

  beforeAll(async () => {
    site = await startRelyingPartySite();
    server = await startTestServer({ env: { PRODUCT_NAME: 'Acme ID', PRODUCT_LOGO_URL: site.logoUrl } });
    await server.container.accounts.createAccount(alice);
    client = await registerSiteClient(server.issuer, server.container, site);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.close();
  });

  /** What every page must get right, whatever it says. */
  async function checkPage(page: Page, shot: string) {
    expect(await page.title()).toMatch(/ · Acme ID$/);
    expect((await page.locator('.brand-name').textContent())?.trim()).toBe('Acme ID');
    // The logo loaded under the CSP: waited for (a page reached by a click may still be fetching it), then decoded.
    const logoLoaded = await page.locator('.brand-logo').evaluate((img: HTMLImageElement) =>
      img.complete ? img.naturalWidth > 0 : new Promise<boolean>((done) => {
        img.addEventListener('load', () => done(img.naturalWidth > 0), { once: true });
        img.addEventListener('error', () => done(false), { once: true });
      }));
    expect(logoLoaded).toBe(true);
    // The stylesheet loaded under the CSP: unstyled, the card would have no border radius.
    expect(await page.locator('.card').evaluate((card) => getComputedStyle(card).borderTopLeftRadius)).not.toBe('0px');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    // Nothing inline (the CSP would block it anyway), and no input a screen reader cannot name.
    // Same-origin script files (src) are allowed: the login page loads /assets/passkeys.js.
    expect(await page.locator('script:not([src]), style, [style]').count()).toBe(0);
    expect(await page.locator('input:not([type=hidden])').evaluateAll((inputs) => inputs.filter((input) => !(input as HTMLInputElement).labels?.length).length)).toBe(0);
    await saveScreenshot(page, shot);
  }

  for (const { name, ...options } of VIEWPORTS) {
    it(`login, consent, logout, signed-out and error pages (${name})`, async () => {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      const problems = collectConsoleProblems(page);

      await page.goto((await startAuthorization(client, { redirect_uri: site.callbackUrl })).url.href);
      await checkPage(page, `login-${name}`);
      await page.getByLabel('Email').fill(alice.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      await checkPage(page, `login-error-${name}`);

      await page.getByLabel('Password').fill(alice.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Allow' }).waitFor();
      await checkPage(page, `consent-${name}`);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));

      await page.goto(oidc.buildEndSessionUrl(client.config).href);
      await checkPage(page, `logout-${name}`);
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
      await checkPage(page, `signed-out-${name}`);

      // An unregistered redirect_uri: oidc-provider's error page, which must not redirect.
      await page.goto((await startAuthorization(client, { redirect_uri: `${site.origin}/elsewhere` })).url.href);
      await checkPage(page, `error-${name}`);
      // A stale or unknown interaction: the application's own error page.
      await page.goto(`${server.issuer}/interaction/unknown-interaction`);
      await checkPage(page, `expired-${name}`);

      // 4xx answers to the two error pages are intended; anything else the console says is a fault.
      expect(problems.filter((problem) => !/status of 40[01]/.test(problem) && !/^40[01] /.test(problem))).toEqual([]);
      await context.close();
    });
  }
});
