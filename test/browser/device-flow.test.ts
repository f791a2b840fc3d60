import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { collectConsoleProblems, describeInBrowser, launchChromium, saveScreenshot } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const alice = { email: 'alice@example.com', password: 'correct horse battery staple' };

/** The id of the focused element, or its text for a button without one. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || '');

describeInBrowser('device sign-in pages (RFC 8628) in Chromium, by keyboard', () => {
  let server: TestServer;
  let browser: Browser;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer({ env: { PRODUCT_NAME: 'Acme ID' } });
    await server.container.accounts.createAccount({ ...alice, emailVerified: true });
    const { client } = await server.container.clients.createClient({ name: 'Living-room TV', type: 'device', redirectUris: [], postLogoutRedirectUris: [] });
    config = await oidc.discovery(new URL(server.issuer), client.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('types the code, confirms, signs in and allows with the keyboard alone; the device gets tokens', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email' });
    const page = await browser.newPage();
    const problems = collectConsoleProblems(page);
    await page.goto(started.verification_uri);

    // A labelled field, focused on arrival; small letters and no dash are fine.
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    expect(await page.getByLabel('Code').count()).toBe(1);
    expect(await focused(page)).toBe('user_code');
    expect(await page.locator('link[rel=stylesheet]').getAttribute('href')).toBe('/assets/idp.css');
    await saveScreenshot(page, 'device-code');
    await page.keyboard.type(started.user_code.replace('-', '').toLowerCase());
    await page.keyboard.press('Enter');

    // The confirmation: client name, the code to compare, what it asks; Continue has the focus.
    await page.getByRole('heading', { name: 'Connect Living-room TV?' }).waitFor();
    expect(await page.locator('.user-code').textContent()).toContain(started.user_code);
    expect(await page.locator('.permissions li').allTextContents()).toEqual(['See your email address']);
    expect(await focused(page)).toBe('Continue');
    await saveScreenshot(page, 'device-confirm');
    await page.keyboard.press('Enter');

    // The usual sign-in and consent pages.
    await page.getByLabel('Email').waitFor();
    expect(await focused(page)).toBe('email');
    await page.keyboard.type(alice.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(alice.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Allow');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    await saveScreenshot(page, 'device-done');
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 });
    expect(tokens.claims()).toMatchObject({ sub: expect.any(String), iss: server.issuer });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a wrong code as an alert tied to the field, keeps the focus there, and cancels by keyboard', async () => {
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    const page = await browser.newPage();
    await page.goto(`${server.issuer}/device`);
    await page.keyboard.type('BBBB-BBBB');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('That code is not valid');
    expect(await page.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Code').getAttribute('aria-describedby')).toContain('user-code-error');
    expect(await focused(page)).toBe('user_code');

    await page.keyboard.type(started.user_code);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Connect Living-room TV?' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Cancel');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Device not connected' }).waitFor();
    await expect(oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 })).rejects.toMatchObject({ error: 'access_denied' });
    await page.close();
  });
});
