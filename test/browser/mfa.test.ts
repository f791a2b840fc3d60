import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { ACR_MFA } from '../../src/mfa/policy.js';
import { collectConsoleProblems, describeInBrowser, launchChromium, registerSiteClient, saveScreenshot, startRelyingPartySite, type RelyingPartySite } from '../support/browser.js';
import { ManualClock } from '../support/manual-clock.js';
import { currentCode } from '../support/mfa.js';
import { exchangeCode, startAuthorization, type RegisteredClient } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';

const frank = { email: 'frank@example.com', password: 'frank has a long password' };

describeInBrowser('two-step verification pages in Chromium', () => {
  const clock = new ManualClock(Date.now());
  let site: RelyingPartySite;
  let server: TestServer;
  let client: RegisteredClient;
  let browser: Browser;
  let secret: string;

  beforeAll(async () => {
    site = await startRelyingPartySite();
    server = await startTestServer({ clock, env: { PRODUCT_NAME: 'Acme ID' } });
    await server.container.accounts.createAccount(frank);
    client = await registerSiteClient(server.issuer, server.container, site);
    await server.container.db('clients').where({ client_id: client.clientId }).update({ require_mfa: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.close();
  });

  it('enrolls an authenticator during sign-in: QR code, manual key, recovery codes', async () => {
    const page = await browser.newPage();
    const problems = collectConsoleProblems(page);
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl });
    await page.goto(start.url.href);
    await page.getByLabel('Email').fill(frank.email);
    await page.getByLabel('Password').fill(frank.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    expect(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 100)).toBe(true);
    secret = (await page.locator('.secret-key').textContent())!.replace(/\s/g, '');
    await saveScreenshot(page, 'mfa-enroll');
    await page.getByLabel('Code from the app').fill(await currentCode(secret, clock));
    await page.getByRole('button', { name: 'Turn on' }).click();

    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    expect(await page.locator('.recovery-codes li').count()).toBe(10);
    await saveScreenshot(page, 'mfa-recovery-codes');
    await page.getByRole('button', { name: /continue/ }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    const tokens = await exchangeCode(client, start, page.url());
    expect(decodeJwt(tokens.id_token!)).toMatchObject({ acr: ACR_MFA, amr: expect.arrayContaining(['pwd', 'otp', 'mfa']) });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('challenges at the next sign-in and shows a clear error for a wrong code', async () => {
    clock.advance(30);
    const page = await browser.newPage();
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl, prompt: 'login' });
    await page.goto(start.url.href);
    await page.getByLabel('Email').fill(frank.email);
    await page.getByLabel('Password').fill(frank.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await saveScreenshot(page, 'mfa-challenge');
    await page.getByLabel('Verification code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That code is not valid');
    await saveScreenshot(page, 'mfa-challenge-error');
    await page.getByLabel('Verification code').fill(await currentCode(secret, clock));
    await page.getByRole('button', { name: 'Verify' }).click();
    // prompt=login starts a new sign-in, so oidc-provider asks for consent again.
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    await page.close();
  });
});
