import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { collectConsoleProblems, describeInBrowser, launchChromium, saveScreenshot } from '../support/browser.js';
import { ManualClock } from '../support/manual-clock.js';
import { currentCode } from '../support/mfa.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'gwen has a long keyboard password';

/**
 * Issue 19: "Your data" and "Delete my account" in Chromium, by keyboard only: the download is one
 * JSON file, and the delete form is reached, filled and sent with Tab and Enter, with no CSP or
 * console problem on the way.
 */
describeInBrowser('the data and delete pages in Chromium, by keyboard', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let browser: Browser;
  let secret: string;
  let accountId: string;

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { PRODUCT_NAME: 'Acme ID' } });
    accountId = (await server.container.accounts.createAccount({ email: 'gwen@example.com', name: 'Gwen Keys', password: PASSWORD, emailVerified: true })).id;
    ({ secret } = await server.container.mfa.beginTotpEnrollment(accountId, 'gwen@example.com'));
    await server.container.mfa.confirmTotpEnrollment(accountId, await currentCode(secret, clock));
    clock.advance(30);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const focusedName = (page: Page) => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name || document.activeElement?.textContent?.trim());

  async function signIn(page: Page) {
    await page.goto(`${server.issuer}/account`);
    await page.getByLabel('Email').fill('gwen@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByLabel('Verification code').waitFor();
    await page.getByLabel('Verification code').fill(await currentCode(secret, clock));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    clock.advance(30);
  }

  it('downloads the data as one JSON file and shows the summary', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const problems = collectConsoleProblems(page);
    await signIn(page);
    await page.getByRole('link', { name: 'See and download my data' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your data' }).waitFor();
    await saveScreenshot(page, 'account-data');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download my data (JSON)' }).press('Enter')]);
    expect(download.suggestedFilename()).toBe(`account-${accountId}.json`);
    const document = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(document).toMatchObject({ account: { id: accountId, email: 'gwen@example.com' }, second_factors: { totp: true } });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('deletes the account with Tab and Enter: password, then code, then the button', async () => {
    const page = await browser.newPage();
    const problems = collectConsoleProblems(page);
    await signIn(page);
    await page.goto(`${server.issuer}/account/delete`);
    await page.getByRole('heading', { name: 'What happens' }).waitFor();
    // The password field has the focus on arrival; Tab moves through the form in order.
    expect(await focusedName(page)).toBe('password');
    await page.keyboard.type('not my password');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('code');
    await page.keyboard.type(await currentCode(secret, clock));
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('Delete my account');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The password is not correct.');
    expect(await server.container.accounts.findById(accountId)).toBeDefined();
    await saveScreenshot(page, 'account-delete-error');

    await page.getByLabel('Password').focus();
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    clock.advance(30);
    await page.keyboard.type(await currentCode(secret, clock));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your account was deleted' }).waitFor();
    expect(await server.container.accounts.findById(accountId)).toBeUndefined();
    await page.goto(`${server.issuer}/account`);
    await page.getByLabel('Email').waitFor();
    // The one expected problem: the wrong password's 400 answer.
    expect(problems.filter((problem) => !(problem.includes('400') && problem.includes('/account/delete')))).toEqual([]);
    await page.close();
  });
});
