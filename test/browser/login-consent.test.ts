import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import {
  collectConsoleProblems,
  describeInBrowser,
  launchChromium,
  registerSiteClient,
  startRelyingPartySite,
  type RelyingPartySite,
} from '../support/browser.js';
import { exchangeCode, startAuthorization, type AuthorizationStart, type RegisteredClient } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

describeInBrowser('login → consent → redirect in Chromium', () => {
  let site: RelyingPartySite;
  let server: TestServer;
  let client: RegisteredClient;
  let browser: Browser;

  beforeAll(async () => {
    site = await startRelyingPartySite();
    server = await startTestServer();
    await server.container.accounts.createAccount({ ...alice, name: 'Alice Example', emailVerified: true });
    client = await registerSiteClient(server.issuer, server.container, site);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.close();
  });

  const authorize = (params: Record<string, string> = {}) => startAuthorization(client, { redirect_uri: site.callbackUrl, ...params });
  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim());

  /** Waits for the browser to reach the relying party's callback and redeems the code there. */
  async function redeemAtCallback(page: Page, start: AuthorizationStart) {
    await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
    return exchangeCode(client, start, callback.href);
  }

  it('signs in with the keyboard, asks consent, and hands the app a code for a valid ID token', async () => {
    const page = await browser.newPage();
    const problems = collectConsoleProblems(page);
    const start = await authorize();
    await page.goto(start.url.href);

    // Every input has a label, and the focus moves email → password → remember me → Sign in.
    await expect(page.getByLabel('Email').count()).resolves.toBe(1);
    await expect(page.getByLabel('Password').count()).resolves.toBe(1);
    await expect(page.getByLabel('Keep me signed in on this device').count()).resolves.toBe(1);
    expect(await focusedId(page)).toBe('email');
    await page.keyboard.type(alice.email);
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('password');
    await page.keyboard.type(alice.password);
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('remember');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('Sign in');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    expect(await page.locator('.lead').textContent()).toContain('Acme Notes');
    expect(await page.locator('.permissions li').allTextContents()).toEqual(['See your email address', 'See your name']);
    await page.getByRole('button', { name: 'Allow' }).click();

    const tokens = await redeemAtCallback(page, start);
    // openid-client checked iss, aud, nonce and expiry; the signature is checked here against JWKS.
    const jwks = createRemoteJWKSet(new URL(client.config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: server.issuer, audience: client.clientId });
    expect(payload.nonce).toBe(start.nonce);
    expect(payload.sub).toBe(tokens.claims()!.sub);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the generic error on a wrong password, keeps the email, and clears the password', async () => {
    const page = await browser.newPage();
    await page.goto((await authorize()).url.href);
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).toBe('The email or password is not correct.');
    expect(await page.getByLabel('Email').inputValue()).toBe(alice.email);
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await page.close();
  });

  it('refuses to be framed, by header and in the browser', async () => {
    const page = await browser.newPage();
    const loginUrl = (await authorize()).url.href;
    const response = await page.goto(loginUrl);
    expect(response!.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(response!.headers()['x-frame-options']).toBe('DENY');

    // Another site embeds the login page: Chromium says why it refuses, and the frame stays empty.
    const refusal = page.waitForEvent('console', (message) => /frame-ancestors 'none'|X-Frame-Options/.test(message.text()));
    await page.goto(site.framingPageUrl(loginUrl));
    await refusal;
    const frame = await (await page.$('iframe'))!.contentFrame();
    expect(await frame!.locator('#password').count()).toBe(0);
    await page.close();
  });

  it('returns access_denied to the app when the person denies', async () => {
    const page = await browser.newPage();
    const start = await authorize();
    await page.goto(start.url.href);
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(start.state);
    expect(callback.searchParams.get('code')).toBeNull();
    await page.close();
  });

  it('works without JavaScript, from login to the code at the redirect URI', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const start = await authorize();
    await page.goto(start.url.href);
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await redeemAtCallback(page, start);
    expect(tokens.claims()!.nonce).toBe(start.nonce);
    await context.close();
  });
});
