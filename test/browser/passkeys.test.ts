import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { collectConsoleProblems, describeInBrowser, launchChromium, saveScreenshot } from '../support/browser.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/mail.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { addVirtualAuthenticator, type VirtualAuthenticator } from '../support/webauthn.js';

const pia = { email: 'pia@example.com', password: 'pia has a long password' };

describeInBrowser('passkeys in Chromium with a virtual authenticator', () => {
  let server: TestServer;
  let smtp: SmtpReceiver;
  let browser: Browser;
  let page: Page;
  let authenticator: VirtualAuthenticator;
  let problems: string[];

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    // WebAuthn takes a domain as relying party, never an IP address: the issuer is http://localhost:port.
    server = await startTestServer({ issuerHost: 'localhost', env: { PRODUCT_NAME: 'Acme ID', SMTP_URL: smtp.url, MAIL_FROM: 'Identity <no-reply@example.test>' } });
    server.container.mailWorker.start();
    await server.container.accounts.createAccount(pia);
    browser = await launchChromium();
    page = await browser.newPage();
    problems = collectConsoleProblems(page);
    authenticator = await addVirtualAuthenticator(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  async function signInToAccountPage(target: string) {
    await page.goto(`${server.issuer}${target}`);
    await page.getByLabel('Email').fill(pia.email);
    await page.getByLabel('Password').fill(pia.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.issuer}${target}`);
  }

  it('registers a passkey from the account page after the password, and mails the person', async () => {
    await signInToAccountPage('/account/passkeys');
    await page.getByRole('heading', { name: 'Passkeys', exact: true }).waitFor();
    await saveScreenshot(page, 'passkeys-account-empty');
    await page.getByLabel('Name (optional)').fill('Work laptop');
    await page.getByLabel('Password').fill(pia.password);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('button', { name: 'Create the passkey' }).waitFor();
    await saveScreenshot(page, 'passkeys-account-create');
    await page.getByRole('button', { name: 'Create the passkey' }).click();
    await page.waitForURL(/done=added/);
    await saveScreenshot(page, 'passkeys-account-list');
    const item = page.locator('.passkeys .item');
    await expect(item.count()).resolves.toBe(1);
    await expect(item.textContent()).resolves.toMatch(/Work laptop[\s\S]*this device only[\s\S]*not used yet/);

    const [credential] = await authenticator.credentials();
    expect(credential.isResidentCredential).toBe(true);
    expect(credential.rpId).toBe('localhost');
    // The user handle is random, never the email.
    expect(Buffer.from(credential.userHandle!, 'base64').toString()).not.toContain('pia');
    const [row] = await server.container.db('passkeys');
    expect(row).toMatchObject({ name: 'Work laptop', backed_up: false, device_type: 'singleDevice' });
    expect(Object.keys(row)).not.toContain('private_key');
    const mail = await smtp.nextMail(pia.email);
    expect(mail.subject).toBe('A passkey was added to your Acme ID account');
    expect(mail.text).toContain('A passkey was just added');
    expect(problems).toEqual([]);
  });

  it('renames and removes a passkey (removal asks for the password)', async () => {
    await page.goto(`${server.issuer}/account/passkeys`);
    await page.locator('.passkeys summary').click();
    await page.locator('.passkeys input[name="name"]').fill('Old laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.waitForURL(/done=renamed/);
    await expect(page.locator('.passkeys .item strong').textContent()).resolves.toBe('Old laptop');
    await page.locator('.passkeys summary').click();
    await page.locator('.passkeys input[name="password"]').fill('not the password');
    await page.getByRole('button', { name: 'Remove' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The password is not correct');
    expect(await server.container.db('passkeys')).toHaveLength(1);
    await page.locator('.passkeys summary').click();
    await page.locator('.passkeys input[name="password"]').fill(pia.password);
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(/done=removed/);
    await expect(page.locator('.passkeys .item').count()).resolves.toBe(0);
    expect((await smtp.nextMail(pia.email)).subject).toBe('A passkey was removed from your Acme ID account');
    const types = (await server.container.db('events').where('type', 'like', 'passkey.%').orderBy('id')).map((event) => event.type);
    expect(types).toEqual(['passkey.registered', 'passkey.renamed', 'passkey.removed']);
  });
});
