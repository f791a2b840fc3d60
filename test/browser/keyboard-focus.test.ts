import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium, saveScreenshot } from '../support/browser.js';
import { startTour, type Tour } from '../support/hosted-pages.js';

/** What the focused element is, and how its focus shows: a solid outline of at least 2px, or a ring. */
function focusState(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement;
    const style = getComputedStyle(element);
    return {
      id: element.id || element.textContent?.trim() || element.tagName,
      focusVisible: element.matches(':focus-visible'),
      outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 ? `${style.outlineStyle} ${style.outlineColor}` : 'none',
    };
  });
}

/**
 * The login page by keyboard alone: Tab visits the fields, the checkbox, the button and the links in
 * reading order, each with a visible outline (WCAG 2.4.3, 2.4.7), in both colour schemes; Enter
 * submits. And motion: buttons fade only for people who have not asked for reduced motion.
 */
describeInBrowser('keyboard focus and reduced motion on the hosted pages', () => {
  let tour: Tour;
  let browser: Browser;

  beforeAll(async () => {
    tour = await startTour();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await tour?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`tabs through the login form with a visible focus, and signs in with Enter (${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme });
      const page = await context.newPage();
      await page.goto(await tour.authorizationUrl(tour.clients.web));
      const person = await tour.person();

      // Focus starts in the email field (autofocus), and shows.
      expect(await focusState(page)).toMatchObject({ id: 'email', focusVisible: true, outline: expect.stringMatching(/^solid /) });
      await page.keyboard.type(person.email);
      const visited: string[] = [];
      for (let step = 0; step < 7; step += 1) {
        await page.keyboard.press('Tab');
        const state = await focusState(page);
        expect(state).toMatchObject({ focusVisible: true, outline: expect.stringMatching(/^solid /) });
        visited.push(state.id);
        if (step === 0) await saveScreenshot(page, `pages-login-focus-${colorScheme}`);
      }
      expect(visited).toEqual(['password', 'remember', 'Sign in', 'Use a passkey', 'Continue with Corp SSO', 'Forgot password?', 'Create an account']);

      await page.getByLabel('Password', { exact: true }).focus();
      await page.keyboard.type(person.password);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      // The primary action takes the first Tab, and shows it.
      await page.keyboard.press('Tab');
      expect(await focusState(page)).toMatchObject({ id: 'Allow', focusVisible: true, outline: expect.stringMatching(/^solid /) });
      await context.close();
    });
  }

  it('animates nothing for people who ask for reduced motion', async () => {
    const durations: Record<string, string> = {};
    for (const reducedMotion of ['no-preference', 'reduce'] as const) {
      const context = await browser.newContext({ reducedMotion });
      const page = await context.newPage();
      await page.goto(await tour.authorizationUrl(tour.clients.web));
      durations[reducedMotion] = await page.getByRole('button', { name: 'Sign in', exact: true }).evaluate((button) => getComputedStyle(button).transitionDuration);
      await context.close();
    }
    expect(durations['no-preference']).not.toMatch(/^0s(, 0s)*$/);
    expect(durations.reduce).toMatch(/^0s(, 0s)*$/);
  });
});
