import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { wcagViolations } from '../support/axe.js';
import { describeInBrowser, launchChromium, saveScreenshot } from '../support/browser.js';
import { HOSTED_PAGES, startTour, type HostedPage, type Tour } from '../support/hosted-pages.js';

/**
 * Every hosted page (test/support/hosted-pages.ts) against WCAG 2.2 A/AA with axe-core, in the light
 * and the dark colour scheme, with the reflow checks of WCAG 1.4.10: no sideways scrolling at 320 CSS
 * pixels, nor at 640 (a 1280px window at 200% zoom, emulated with a device scale factor of 2).
 * Screenshots of each page in both schemes go to test-artifacts/browser/pages-<name>-<scheme>.png.
 *
 * Then every page again in each other shipped language (locales/*.json), chosen by the `idp.locale`
 * cookie as the language switch sets it: the same tour and browser, one visit per page, axe and a
 * screenshot (pages-<name>-<language>-<scheme>.png) in light and dark by switching the emulated colour
 * scheme on the same page. Only when DATABASE_URL is unset (the embedded run): the words do not depend
 * on the storage, and the loop adds several minutes (docs/testing.md).
 */
const LANGUAGES = readdirSync(new URL('../../locales/', import.meta.url))
  .filter((name) => name.endsWith('.json'))
  .map((name) => name.replace(/\.json$/, ''))
  .filter((tag) => tag !== 'en')
  .sort();
const OTHER_LANGUAGES = process.env.DATABASE_URL ? [] : LANGUAGES;
const RIGHT_TO_LEFT = new Set(['ar']);
const BACKGROUND = { light: 'rgb(244, 246, 250)', dark: 'rgb(20, 23, 31)' } as const;
describeInBrowser('every hosted page: WCAG 2.2 AA, dark scheme, reflow', () => {
  let tour: Tour;
  let browser: Browser;

  beforeAll(async () => {
    // Seven visits of every page from one address: above the default per-IP limits on mails and sign-ins.
    tour = await startTour({ MAIL_REQUESTS_PER_IP_PER_HOUR: '10000', MAIL_REQUESTS_PER_ADDRESS_PER_HOUR: '1000', LOGIN_ATTEMPTS_PER_IP: '10000' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await tour?.close();
  });

  const scrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

  /** Field errors are tied to their fields: marked invalid, and described by the message shown. */
  async function fieldErrors(page: Page, hosted: HostedPage) {
    const alerts = await page.locator('.alert[id]').evaluateAll((nodes) => nodes.map((node) => node.id));
    const tied = await page.locator('[aria-invalid=true]').evaluateAll((fields) =>
      fields.map((field) => ({ id: field.id, describedBy: (field.getAttribute('aria-describedby') ?? '').split(/\s+/) })),
    );
    for (const field of tied) expect(field.describedBy.some((id) => alerts.includes(id))).toBe(true);
    expect(tied.map((field) => field.id).sort()).toEqual(expect.arrayContaining([...(hosted.invalid ?? [])].sort()));
    if (!hosted.invalid) expect(tied).toEqual([]);
    // Every alert on a page with a form names at least one field, or the form has no typed field.
    if (hosted.invalid) expect(alerts.length).toBeGreaterThan(0);
  }

  const schemes = [
    { scheme: 'light', colorScheme: 'light', deviceScaleFactor: 1 },
    { scheme: 'dark', colorScheme: 'dark', deviceScaleFactor: 2 },
  ] as const;

  for (const hosted of HOSTED_PAGES) {
    it(`${hosted.name}: passes axe in light and dark, reflows at 320px and 200% zoom`, async () => {
      tour.locale = 'en';
      for (const { scheme, ...options } of schemes) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
        const page = await context.newPage();
        try {
          await hosted.reach(page, tour);
          await page.waitForLoadState('load');
          // Really the scheme asked for: the dark palette has a dark page background.
          const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          expect([scheme, background]).toEqual([scheme, scheme === 'dark' ? 'rgb(20, 23, 31)' : 'rgb(244, 246, 250)']);
          expect({ page: hosted.name, scheme, violations: await wcagViolations(page) }).toEqual({ page: hosted.name, scheme, violations: [] });
          await fieldErrors(page, hosted);
          await saveScreenshot(page, `pages-${hosted.name}-${scheme}`);
          for (const width of scheme === 'light' ? [320, 640] : [640]) {
            await page.setViewportSize({ width, height: 800 });
            expect({ page: hosted.name, width, scrollsSideways: await scrollsSideways(page) }).toEqual({ page: hosted.name, width, scrollsSideways: false });
          }
        } finally {
          await context.close();
        }
      }
    });
  }

  for (const language of OTHER_LANGUAGES) {
    for (const hosted of HOSTED_PAGES) {
      it(`${language} ${hosted.name}: in ${language}, passes axe in light and dark`, async () => {
        tour.locale = language;
        // Reduced motion: the scheme changes on a loaded page, and the buttons' colour fade would leave axe
        // measuring contrast halfway between the palettes (the English pass covers the fade).
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', reducedMotion: 'reduce' });
        await context.addCookies([{ name: 'idp.locale', value: language, url: tour.issuer }]);
        const page = await context.newPage();
        try {
          await hosted.reach(page, tour);
          await page.waitForLoadState('load');
          const root = await page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
          expect({ page: hosted.name, ...root }).toEqual({ page: hosted.name, lang: language, dir: RIGHT_TO_LEFT.has(language) ? 'rtl' : 'ltr' });
          await fieldErrors(page, hosted);
          for (const scheme of ['light', 'dark'] as const) {
            await page.emulateMedia({ colorScheme: scheme });
            const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
            expect([scheme, background]).toEqual([scheme, BACKGROUND[scheme]]);
            expect({ page: hosted.name, language, scheme, violations: await wcagViolations(page) }).toEqual({ page: hosted.name, language, scheme, violations: [] });
            await saveScreenshot(page, `pages-${hosted.name}-${language}-${scheme}`);
          }
        } finally {
          tour.locale = 'en';
          await context.close();
        }
      });
    }
  }
});
