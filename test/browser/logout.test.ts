import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import {
  describeInBrowser,
  launchChromium,
  registerSiteClient,
  signInThroughPages,
  startRelyingPartySite,
  type RelyingPartySite,
} from '../support/browser.js';
import { exchangeCode, startAuthorization, type RegisteredClient } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

describeInBrowser('RP-initiated logout through the hosted pages in Chromium', () => {
  let site: RelyingPartySite;
  let server: TestServer;
  let client: RegisteredClient;
  let browser: Browser;

  beforeAll(async () => {
    site = await startRelyingPartySite();
    server = await startTestServer();
    await server.container.accounts.createAccount(alice);
    client = await registerSiteClient(server.issuer, server.container, site);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.close();
  });

  /** Signs in through the pages in a fresh browser context and returns the ID token the app got. */
  async function signedInPage(): Promise<{ page: Page; idToken: string }> {
    const page = await browser.newPage();
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl });
    await signInThroughPages(page, start.url.href, alice);
    await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    const tokens = await exchangeCode(client, start, page.url());
    return { page, idToken: tokens.id_token! };
  }

  /** Whether the browser's session still signs it in: a new authorization request shows the login form only without one. */
  async function showsLoginForm(page: Page): Promise<boolean> {
    await page.goto((await startAuthorization(client, { redirect_uri: site.callbackUrl })).url.href);
    return (await page.getByLabel('Password').count()) === 1;
  }

  it('confirms, signs out, and returns to the registered post_logout_redirect_uri with the state', async () => {
    const { page, idToken } = await signedInPage();
    const state = oidc.randomState();
    await page.goto(oidc.buildEndSessionUrl(client.config, { id_token_hint: idToken, post_logout_redirect_uri: site.signedOutUrl, state }).href);
    await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
    expect(await page.locator('.lead').textContent()).toContain('Acme Notes');
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();

    await page.waitForURL((url) => url.href.startsWith(site.signedOutUrl));
    expect(new URL(page.url()).searchParams.get('state')).toBe(state);
    expect(await showsLoginForm(page)).toBe(true);
    await page.close();
  });

  it('shows the signed-out page when the app gives no post_logout_redirect_uri', async () => {
    const { page } = await signedInPage();
    await page.goto(oidc.buildEndSessionUrl(client.config).href);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    expect(new URL(page.url()).origin).toBe(server.issuer);
    expect(await showsLoginForm(page)).toBe(true);
    await page.close();
  });

  it('keeps the session when the person chooses to stay signed in', async () => {
    const { page, idToken } = await signedInPage();
    await page.goto(oidc.buildEndSessionUrl(client.config, { id_token_hint: idToken, post_logout_redirect_uri: site.signedOutUrl }).href);
    await page.getByRole('button', { name: 'No, stay signed in' }).click();
    await page.waitForURL((url) => url.href.startsWith(site.signedOutUrl));
    expect(await showsLoginForm(page)).toBe(false);
    await page.close();
  });

  it('signs out without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl });
    await signInThroughPages(page, start.url.href, alice);
    await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    expect(await showsLoginForm(page)).toBe(false);
    await page.goto(oidc.buildEndSessionUrl(client.config).href);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    // The session really ended: the next authorization request asks for the password again.
    expect(await showsLoginForm(page)).toBe(true);
    await context.close();
  });
});
