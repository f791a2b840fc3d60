import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { ACR_MFA } from '../../src/mfa/policy.js';
import { ACR_PHISHING_RESISTANT } from '../../src/passkeys/policy.js';
import { collectConsoleProblems, describeInBrowser, launchChromium, registerSiteClient, saveScreenshot, startRelyingPartySite, type RelyingPartySite } from '../support/browser.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/mail.js';
import { ManualClock } from '../support/manual-clock.js';
import { currentCode } from '../support/mfa.js';
import { insertPasskey } from '../support/passkey-fixture.js';
import { exchangeCode, startAuthorization, type RegisteredClient } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { addVirtualAuthenticator, assertionInPage, passkeyOptionsOf, submitPasskeyAnswer, type VirtualAuthenticator } from '../support/webauthn.js';

const pia = { email: 'pia@example.com', password: 'pia has a long password' };
const bob = { email: 'bob@example.com', password: 'bob has a long password' };

describeInBrowser('passkeys in Chromium with a virtual authenticator', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let smtp: SmtpReceiver;
  let site: RelyingPartySite;
  let client: RegisteredClient;
  let browser: Browser;
  let page: Page;
  let authenticator: VirtualAuthenticator;
  let problems: string[];
  let totpSecret: string;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    site = await startRelyingPartySite();
    // WebAuthn takes a domain as relying party, never an IP address: the issuer is http://localhost:port.
    server = await startTestServer({ clock, issuerHost: 'localhost', env: { PRODUCT_NAME: 'Acme ID', SMTP_URL: smtp.url, MAIL_FROM: 'Identity <no-reply@example.test>' } });
    server.container.mailWorker.start();
    await server.container.accounts.createAccount(pia);
    await server.container.accounts.createAccount(bob);
    client = await registerSiteClient(server.issuer, server.container, site);
    // Consent pages are not what these tests are about.
    await server.container.db('clients').where({ client_id: client.clientId }).update({ first_party: true });
    browser = await launchChromium();
    page = await browser.newPage();
    problems = collectConsoleProblems(page);
    authenticator = await addVirtualAuthenticator(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
    await site?.close();
  });

  /** Files a challenge under a binding, as the service does when it issues one (PasskeyChallenge in the interaction store). */
  async function issueChallenge(binding: string, challenge: string) {
    const { createAdapterFactory } = await import('../../src/oidc/adapters/factory.js');
    const { createChallengeStore } = await import('../../src/passkeys/challenges.js');
    const { db, redis, clients } = server.container;
    await createChallengeStore(createAdapterFactory({ db, redis, clients, clock }), clock, 300).issue(binding, { challenge, purpose: 'sign_in' });
  }

  const passkeyEvents = async (type: string) =>
    server.container.vault.reveal(await server.container.db('events').where({ type }).orderBy('id'));

  async function fillPassword(target: Page, person: { email: string; password: string }) {
    await target.getByLabel('Email').fill(person.email);
    await target.getByLabel('Password').fill(person.password);
    await target.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function tokensAfter(target: Page, start: Awaited<ReturnType<typeof startAuthorization>>) {
    await target.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    return decodeJwt((await exchangeCode(client, start, target.url())).id_token!);
  }

  async function signOut(target: Page) {
    await target.context().clearCookies();
  }

  /** Opens the login page with the authenticator not answering, so the email field's autofill request waits. */
  async function quietLogin(params: Record<string, string> = {}) {
    await signOut(page);
    await authenticator.presence(false);
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl, ...params });
    await page.goto(start.url.href);
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    return start;
  }

  it('registers a passkey from the account page after the password, and mails the person', async () => {
    await page.goto(`${server.issuer}/account/passkeys`);
    await fillPassword(page, pia);
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
    expect(problems).toEqual([]);
  });

  it('renames a passkey', async () => {
    await page.goto(`${server.issuer}/account/passkeys`);
    await page.locator('.passkeys summary').click();
    await page.locator('.passkeys input[name="name"]').fill('Old laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.waitForURL(/done=renamed/);
    await expect(page.locator('.passkeys .item strong').textContent()).resolves.toBe('Old laptop');
  });

  it('signs in with the passkey button: no password, phishing-resistant acr and RFC 8176 amr', async () => {
    const start = await quietLogin();
    expect(await page.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn');
    await saveScreenshot(page, 'passkeys-login');
    await authenticator.presence(true);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const claims = await tokensAfter(page, start);
    expect(claims).toMatchObject({ acr: ACR_PHISHING_RESISTANT, amr: ['hwk', 'user', 'mfa'] });
    expect((await passkeyEvents('passkey.used')).at(-1)).toMatchObject({ detail: { stage: 'sign_in', userVerified: true } });
    expect(problems).toEqual([]);
  });

  it('signs in through the email field\'s autofill (conditional mediation)', async () => {
    await signOut(page);
    await authenticator.presence(true);
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl });
    await page.goto(start.url.href);
    // Nothing clicked: the autofill request the page made on load is answered by the authenticator.
    const claims = await tokensAfter(page, start);
    expect(claims).toMatchObject({ acr: ACR_PHISHING_RESISTANT, amr: ['hwk', 'user', 'mfa'] });
  });

  it('is the second factor after the password when the person also has TOTP, chosen on the MFA page', async () => {
    const enrollment = await server.container.mfa.beginTotpEnrollment((await server.container.accounts.findByEmail(pia.email))!.id, pia.email);
    totpSecret = enrollment.secret;
    await server.container.mfa.confirmTotpEnrollment((await server.container.accounts.findByEmail(pia.email))!.id, await currentCode(totpSecret, clock));
    const start = await quietLogin();
    await fillPassword(page, pia);
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await expect(page.getByLabel('Verification code').count()).resolves.toBe(1);
    await saveScreenshot(page, 'passkeys-mfa-choice');
    await authenticator.presence(true);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const claims = await tokensAfter(page, start);
    expect(claims).toMatchObject({ acr: ACR_PHISHING_RESISTANT, amr: expect.arrayContaining(['pwd', 'hwk', 'mfa']) });
  });

  it('steps a TOTP session up to the phishing-resistant acr when the relying party asks for it', async () => {
    clock.advance(60);
    const first = await quietLogin();
    await fillPassword(page, pia);
    await page.getByLabel('Verification code').fill(await currentCode(totpSecret, clock));
    await page.getByRole('button', { name: 'Verify' }).click();
    expect(await tokensAfter(page, first)).toMatchObject({ acr: ACR_MFA });

    const stepUp = await startAuthorization(client, { redirect_uri: site.callbackUrl, acr_values: ACR_PHISHING_RESISTANT });
    await page.goto(stepUp.url.href);
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    // A code is phishable: only the passkey is offered.
    await expect(page.getByLabel('Verification code').count()).resolves.toBe(0);
    await saveScreenshot(page, 'passkeys-step-up');
    await authenticator.presence(true);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    expect(await tokensAfter(page, stepUp)).toMatchObject({ acr: ACR_PHISHING_RESISTANT, amr: expect.arrayContaining(['hwk']) });
  });

  it('refuses a replayed answer: of two posts of one answer, exactly one signs in', async () => {
    await quietLogin();
    const action = `${server.issuer}${new URL(page.url()).pathname}/passkey`;
    const csrf = (await page.locator('#passkey-answer input[name="csrf"]').getAttribute('value'))!;
    await authenticator.presence(true);
    const answer = await assertionInPage(page, await passkeyOptionsOf(page));
    const post = () => page.request.post(action, { form: { csrf, response: answer }, maxRedirects: 0 });
    const statuses = (await Promise.all([post(), post()])).map((response) => response.status()).sort();
    expect(statuses).toEqual([303, 401]);
    expect((await passkeyEvents('passkey.failed')).at(-1)).toMatchObject({ detail: { stage: 'sign_in', reason: 'replayed' } });
  });

  it('refuses an answer whose challenge has expired', async () => {
    await quietLogin();
    await authenticator.presence(true);
    const answer = await assertionInPage(page, await passkeyOptionsOf(page));
    clock.advance(301);
    await submitPasskeyAnswer(page, answer);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That passkey could not sign you in');
    // Redis keeps the record and the server's clock says expired; the SQL store (same clock) already hides it.
    expect(['expired', 'missing']).toContain((await passkeyEvents('passkey.failed')).at(-1).detail.reason);
  });

  it('refuses an answer made on another origin (a phishing page on the same host)', async () => {
    await quietLogin();
    const loginUrl = page.url();
    // A page on another origin of the same host (RP ID localhost still matches) asks for the signature.
    // The authenticator belongs to this tab, so the tab goes there, then back with the answer.
    await page.goto(`http://localhost:${new URL(site.origin).port}/callback`);
    await authenticator.presence(true);
    const phished = await server.container.passkeys.authenticationOptions('phishing', 'sign_in');
    const answer = await assertionInPage(page, phished as never);
    await authenticator.presence(false);
    await page.goto(loginUrl);
    // Put the phished challenge under this sign-in, so only the origin differs.
    const uid = new URL(loginUrl).pathname.split('/')[2];
    await issueChallenge(`login:${uid}`, phished.challenge);
    await submitPasskeyAnswer(page, answer);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That passkey could not sign you in');
    expect((await passkeyEvents('passkey.failed')).at(-1)).toMatchObject({ detail: { stage: 'sign_in', reason: 'verification_failed' } });
  });

  it("refuses another account's passkey as the second factor", async () => {
    const bobId = (await server.container.accounts.findByEmail(bob.email))!.id;
    const enrollment = await server.container.mfa.beginTotpEnrollment(bobId, bob.email);
    await server.container.mfa.confirmTotpEnrollment(bobId, await currentCode(enrollment.secret, clock));
    // Bob needs a passkey of his own for the MFA page to offer one; a row is enough (it is never used).
    await insertPasskey(server.container.db, { id: '00000000-0000-4000-8000-000000000b0b', accountId: bobId, credentialId: 'Ym9icy1rZXk', name: 'Bob key' });
    await quietLogin();
    await fillPassword(page, bob);
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await authenticator.presence(true);
    // Pia's authenticator answers Bob's challenge with her discoverable credential.
    const answer = await assertionInPage(page, await passkeyOptionsOf(page), { allowCredentials: [] });
    await submitPasskeyAnswer(page, answer);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The passkey was not accepted');
    expect((await passkeyEvents('passkey.failed')).at(-1)).toMatchObject({ account_id: bobId, detail: { stage: 'second_factor', reason: 'other_account' } });
  });

  it('refuses a device-bound passkey whose counter went backwards, and records a possible clone', async () => {
    await server.container.db('passkeys').where({ name: 'Old laptop' }).update({ sign_count: 100_000 });
    await signOut(page);
    await authenticator.presence(true);
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl });
    // The autofill request answers at once; the refusal page does not ask again by itself.
    await page.goto(start.url.href);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That passkey could not sign you in');
    expect(await passkeyEvents('passkey.clone_suspected')).toHaveLength(1);
    expect((await passkeyEvents('passkey.failed')).at(-1)).toMatchObject({ detail: { reason: 'possible_clone' } });
    await saveScreenshot(page, 'passkeys-login-refused');
    await server.container.db('passkeys').where({ name: 'Old laptop' }).update({ sign_count: 0 });
  });

  it('refuses malformed, truncated and oversized answers with a clear page, never a 500', async () => {
    // The refusals above count against this address's passkey sign-ins; start this one afresh.
    await server.container.loginProtection.reset('passkey-sign-in');
    const start = await quietLogin();
    for (const answer of ['{"id":', '[]', JSON.stringify({ id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30' } }), 'x'.repeat(15_000)]) {
      await submitPasskeyAnswer(page, answer);
      await expect(page.getByRole('alert').textContent()).resolves.toContain('That passkey could not sign you in');
    }
    const response = await page.request.post(`${start.url.origin}${new URL(page.url()).pathname}/passkey`, { form: { csrf: 'x', response: 'y'.repeat(40_000) } });
    expect(response.status()).toBeLessThan(500);
    expect(response.status()).toBeGreaterThanOrEqual(400);
  });

  it('removes a passkey after the password', async () => {
    await signOut(page);
    await authenticator.presence(false);
    await page.goto(`${server.issuer}/account/passkeys`);
    await fillPassword(page, pia);
    await page.getByLabel('Verification code').fill(await currentCode(totpSecret, clock, 30));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Passkeys', exact: true }).waitFor();
    await page.locator('.passkeys summary').click();
    await page.locator('.passkeys input[name="password"]').fill('not the password');
    await page.getByRole('button', { name: 'Remove' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The password is not correct');
    await page.locator('.passkeys summary').click();
    await page.locator('.passkeys input[name="password"]').fill(pia.password);
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(/done=removed/);
    await expect(page.locator('.passkeys .item').count()).resolves.toBe(0);
    expect((await smtp.nextMail(pia.email)).subject).toBe('A passkey was removed from your Acme ID account');
    expect(await passkeyEvents('passkey.removed')).toHaveLength(1);
  });
});
