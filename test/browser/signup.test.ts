import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { startAccountServer, type AccountTestServer } from '../support/accounts.js';
import {
  collectConsoleProblems,
  describeInBrowser,
  launchChromium,
  registerSiteClient,
  saveScreenshot,
  startRelyingPartySite,
  type RelyingPartySite,
} from '../support/browser.js';
import { linkIn } from '../support/mail.js';
import { exchangeCode, startAuthorization, type RegisteredClient } from '../support/relying-party.js';

const person = { name: 'Dana Newcomer', email: 'dana@example.com', password: 'lanterns glow over the harbour' };

describeInBrowser('sign-up in Chromium', () => {
  let site: RelyingPartySite;
  let env: AccountTestServer;
  let client: RegisteredClient;
  let browser: Browser;

  beforeAll(async () => {
    site = await startRelyingPartySite();
    env = await startAccountServer();
    client = await registerSiteClient(env.issuer, env.server.container, site);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await site?.close();
  });

  /** No inline code, every visible input labelled, the stylesheet loaded under the CSP. */
  async function checkPage(page: Page, shot: string) {
    expect(await page.locator('script, style, [style]').count()).toBe(0);
    expect(await page.locator('input:not([type=hidden]):not([hidden])').evaluateAll((inputs) => inputs.filter((input) => !(input as HTMLInputElement).labels?.length).length)).toBe(0);
    expect(await page.locator('.card').evaluate((card) => getComputedStyle(card).borderTopLeftRadius)).not.toBe('0px');
    await saveScreenshot(page, shot);
  }

  it('signs up from the login page, opens the mailed link, and signs in to the app', async () => {
    const page = await browser.newPage();
    const problems = collectConsoleProblems(page);
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl });
    await page.goto(start.url.href);
    await page.getByRole('link', { name: 'Create an account' }).click();

    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await checkPage(page, 'signup');
    await page.getByLabel('Name').fill(person.name);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill('too short');
    await page.getByRole('button', { name: 'Create account' }).click();
    expect((await page.getByRole('alert').textContent())?.trim()).toBe('Use at least 15 characters. A few ordinary words with spaces make a good password.');
    expect(await page.getByLabel('Email').inputValue()).toBe(person.email);
    // That refusal was a deliberate 400; from here on the browser must see no problem at all.
    expect(problems).toEqual([expect.stringContaining('400'), expect.stringContaining('400')]);
    problems.length = 0;
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();

    // The mail arrives over SMTP; the person opens its link in the same browser.
    const mail = await env.smtp.nextMail(person.email);
    await page.goto(linkIn(mail, `${env.issuer}/account/verify?token=`));
    await checkPage(page, 'verify-email');
    await page.getByRole('button', { name: 'Verify my address' }).click();
    await page.getByRole('heading', { name: 'Your email address is verified' }).waitFor();
    await page.getByRole('link', { name: 'Continue' }).click();

    // Back on the app's sign-in, which is still waiting.
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    const tokens = await exchangeCode(client, start, page.url());
    expect(tokens.claims()!.sub).toBe((await env.server.container.accounts.findByEmail(person.email))!.id);

    // The same browser is signed in to its account page, which lists this session.
    await page.goto(`${env.issuer}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await page.locator('.tag', { hasText: 'verified' }).first().textContent()).toBe('verified');
    expect(await page.locator('.items .item').first().textContent()).toContain('this browser');
    // Its sign-in is the newest line of the activity, with this browser's description.
    const activity = page.getByRole('region', { name: 'Recent sign-in activity' });
    expect(await activity.locator('.item').first().textContent()).toMatch(/Signed in[\s\S]* UTC · IP 127\.0\.0\.1 · Chrome on Linux/);
    await checkPage(page, 'account');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('works without JavaScript, from the forgotten-password form to a changed password', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${env.issuer}/account/forgot`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const mail = await env.smtp.nextMail(person.email);
    await page.goto(linkIn(mail, `${env.issuer}/account/reset?token=`));
    await checkPage(page, 'reset');
    await page.getByLabel('New password', { exact: true }).fill('a fresh start for the new year');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Your password was changed' }).waitFor();
    expect((await env.server.container.accounts.authenticate(person.email, 'a fresh start for the new year')).ok).toBe(true);
    await context.close();
  });
});
