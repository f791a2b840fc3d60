import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { CLI_ACTOR } from '../../src/audit/changes.js';
import { ACR_PASSWORD } from '../../src/mfa/policy.js';
import { ACR_PHISHING_RESISTANT } from '../../src/passkeys/policy.js';
import { wcagViolations } from '../support/axe.js';
import { collectConsoleProblems, describeInBrowser, launchChromium, registerSiteClient, saveScreenshot, startRelyingPartySite, type RelyingPartySite } from '../support/browser.js';
import { ManualClock } from '../support/manual-clock.js';
import { currentCode } from '../support/mfa.js';
import { exchangeCode, startAuthorization, type RegisteredClient } from '../support/relying-party.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { addVirtualAuthenticator, type VirtualAuthenticator } from '../support/webauthn.js';

const PASSWORD = 'a long enough password for tests';

/**
 * Issue 17, what remained: a client or group that requires a passkey (the sign-in ends with one, and a
 * person without one creates it inside the sign-in), and the offer to add a passkey after sign-in.
 */
describeInBrowser('passkeys required by policy, and offered after sign-in', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let site: RelyingPartySite;
  let plain: RegisteredClient;
  let strict: RegisteredClient;
  let browser: Browser;
  let page: Page;
  let authenticator: VirtualAuthenticator;
  let problems: string[];
  let counter = 0;

  beforeAll(async () => {
    site = await startRelyingPartySite();
    server = await startTestServer({ clock, issuerHost: 'localhost', env: { PASSKEY_OFFER_DAYS: '30' } });
    plain = await registerSiteClient(server.issuer, server.container, site);
    strict = await registerSiteClient(server.issuer, server.container, site);
    await server.container.db('clients').whereIn('client_id', [plain.clientId, strict.clientId]).update({ first_party: true });
    await server.container.clients.updateClient(strict.clientId, { requirePhishingResistant: true });
    browser = await launchChromium();
    page = await browser.newPage();
    problems = collectConsoleProblems(page);
    authenticator = await addVirtualAuthenticator(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.close();
  });

  async function person() {
    counter += 1;
    const email = `policy${counter}@example.com`;
    const account = await server.container.accounts.createAccount({ email, password: PASSWORD });
    return { id: account.id, email };
  }

  const events = async (type: string, accountId: string) =>
    server.container.vault.reveal(await server.container.db('events').where({ type, account_id: accountId }).orderBy('id'));

  /**
   * Signs in with the password. The authenticator does not answer meanwhile: the email field's autofill
   * request would otherwise sign in at once with a passkey an earlier test created.
   */
  async function passwordStep(target: Page, client: RegisteredClient, email: string) {
    await target.context().clearCookies();
    if (target === page) await authenticator.presence(false);
    const start = await startAuthorization(client, { redirect_uri: site.callbackUrl });
    await target.goto(start.url.href);
    await target.getByLabel('Email').fill(email);
    await target.getByLabel('Password').fill(PASSWORD);
    await target.getByRole('button', { name: 'Sign in', exact: true }).click();
    await target.waitForURL((url) => !url.pathname.endsWith(start.url.pathname) && !/\/interaction\/[^/]+$/.test(url.pathname));
    if (target === page) await authenticator.presence(true);
    return start;
  }

  /**
   * "Create a passkey", once more if the browser refused it (the page's own failure message); when it
   * keeps refusing, the error names what the browser said. Resolves on the page that follows.
   */
  async function createPasskey(target: Page) {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await target.getByRole('button', { name: 'Create a passkey' }).click();
      const created = await Promise.race([
        target.waitForURL(/added=1/).then(() => true),
        target.getByText('The passkey was not used.').waitFor().then(() => false),
      ]);
      if (created) return;
    }
    const why = await target.evaluate(async () => {
      const library = await import('/assets/simplewebauthn/index.js' as string);
      const options = JSON.parse((document.querySelector('[data-passkey]') as HTMLElement).dataset.options!);
      try { await library.startRegistration({ optionsJSON: options }); return 'ok'; } catch (error) { return `${(error as Error).name}: ${(error as Error).message} ${JSON.stringify(options)}`; }
    });
    throw new Error(`the browser did not create the passkey: ${why}`);
  }

  async function claimsAfter(target: Page, client: RegisteredClient, start: Awaited<ReturnType<typeof startAuthorization>>) {
    await target.waitForURL((url) => url.href.startsWith(site.callbackUrl), { timeout: 5000 }).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\n${target.url()}\n${await target.locator('main').textContent()}`);
    });
    return decodeJwt((await exchangeCode(client, start, target.url())).id_token!);
  }

  /**
   * These two pages are reached only with an authenticator, so the hosted-pages tour does not visit
   * them: here each is reloaded in every shipped language (the switch's cookie), light and dark, and
   * must pass axe with the right lang and dir; then the cookie goes and the page is English again.
   */
  async function inEveryLanguage(target: Page, name: string): Promise<void> {
    const languages = readdirSync(new URL('../../locales/', import.meta.url)).filter((file) => file.endsWith('.json')).map((file) => file.replace(/\.json$/, ''));
    for (const language of languages) {
      await target.context().addCookies([{ name: 'idp.locale', value: language, url: server.issuer }]);
      await target.reload();
      const root = await target.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
      expect({ language, ...root }).toEqual({ language, lang: language, dir: language === 'ar' ? 'rtl' : 'ltr' });
      for (const scheme of ['light', 'dark'] as const) {
        await target.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
        expect({ name, language, scheme, violations: await wcagViolations(target) }).toEqual({ name, language, scheme, violations: [] });
        await saveScreenshot(target, `${name}-${language}-${scheme}`);
      }
    }
    await target.context().clearCookies({ name: 'idp.locale' });
    await target.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
    await target.reload();
  }

  it('leads an account with no factor to create a passkey (not TOTP) when the client requires one, then to use it', async () => {
    const who = await person();
    const start = await passwordStep(page, strict, who.email);
    await page.getByRole('heading', { name: 'Create a passkey' }).waitFor();
    await expect(page.getByText('Set up two-step verification').count()).resolves.toBe(0);
    await saveScreenshot(page, 'passkey-policy-enroll');
    expect(await wcagViolations(page)).toEqual([]);
    await inEveryLanguage(page, 'passkey-policy-enroll');
    await page.getByRole('heading', { name: 'Create a passkey' }).waitFor();
    await createPasskey(page);
    // The new passkey is then used: a registration alone proves nothing about who holds the key.
    await page.getByText('Your passkey was created. Use it now to finish signing in.').waitFor();
    await expect(page.getByLabel('Verification code').count()).resolves.toBe(0);
    await saveScreenshot(page, 'passkey-policy-use-new');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const claims = await claimsAfter(page, strict, start);
    expect(claims).toMatchObject({ acr: ACR_PHISHING_RESISTANT, amr: expect.arrayContaining(['pwd', 'hwk', 'mfa']) });
    expect(await events('passkey.registered', who.id)).toEqual([expect.objectContaining({ client_id: strict.clientId, detail: expect.objectContaining({ during: 'required' }) })]);
    expect(await server.container.mfa.hasFactor(who.id)).toBe(false);
    expect(problems).toEqual([]);
  });

  it('asks a TOTP-only member of a group that requires a passkey for the code first, then a new passkey, then its use', async () => {
    const who = await person();
    const enrollment = await server.container.mfa.beginTotpEnrollment(who.id, who.email);
    await server.container.mfa.confirmTotpEnrollment(who.id, await currentCode(enrollment.secret, clock));
    const group = await server.container.groups.createGroup({ name: `strict-${counter}`, require_phishing_resistant: true }, CLI_ACTOR);
    await server.container.groups.addMember(group.id, { type: 'account', id: who.id }, CLI_ACTOR);

    const start = await passwordStep(page, plain, who.email);
    await page.getByText('Enter your code; you will then create a passkey and use it.').waitFor();
    await saveScreenshot(page, 'passkey-policy-code-first');
    clock.advance(30);
    await page.getByLabel('Verification code').fill(await currentCode(enrollment.secret, clock));
    await page.getByRole('button', { name: 'Verify' }).click();
    await createPasskey(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const claims = await claimsAfter(page, plain, start);
    expect(claims).toMatchObject({ acr: ACR_PHISHING_RESISTANT, amr: expect.arrayContaining(['pwd', 'otp', 'hwk', 'mfa']) });

    // Next time the code alone is refused for this person: the passkey is asked.
    await passwordStep(page, plain, who.email);
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await expect(page.getByLabel('Verification code').count()).resolves.toBe(0);
  });

  it('offers a passkey after a password sign-in; "Not now" keeps the sign-in as it was and waits 30 days', async () => {
    const who = await person();
    const start = await passwordStep(page, plain, who.email);
    await page.getByRole('heading', { name: 'Add a passkey?' }).waitFor();
    await saveScreenshot(page, 'passkey-offer');
    expect(await wcagViolations(page)).toEqual([]);
    await inEveryLanguage(page, 'passkey-offer');
    await page.getByRole('heading', { name: 'Add a passkey?' }).waitFor();
    await page.getByRole('button', { name: 'Not now' }).click();
    expect(await claimsAfter(page, plain, start)).toMatchObject({ acr: ACR_PASSWORD, amr: ['pwd'] });
    expect(await events('passkey.offer_declined', who.id)).toHaveLength(1);

    const again = await passwordStep(page, plain, who.email);
    await claimsAfter(page, plain, again);

    clock.advance(31 * 86_400);
    const later = await passwordStep(page, plain, who.email);
    await createPasskey(page);
    // Creating it proves nothing; it is the account's second factor from now on, so it is used at once.
    await page.getByText('Your passkey was created. Use it now to finish signing in.').waitFor();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    expect(await claimsAfter(page, plain, later)).toMatchObject({ acr: ACR_PHISHING_RESISTANT, amr: expect.arrayContaining(['pwd', 'hwk']) });
    expect(await events('passkey.registered', who.id)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ during: 'offer' }) })]);
  });

  it('skips the offer by itself where the browser has no WebAuthn, without snoozing it', async () => {
    const who = await person();
    const context = await browser.newContext();
    const bare = await context.newPage();
    await bare.addInitScript(() => {
      delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    });
    const start = await passwordStep(bare, plain, who.email);
    expect(await claimsAfter(bare, plain, start)).toMatchObject({ amr: ['pwd'] });
    expect(await events('passkey.offer_declined', who.id)).toEqual([]);
    await context.close();
  });

  it('shows "Not now" without JavaScript, and the passkey part stays hidden', async () => {
    const who = await person();
    const context = await browser.newContext({ javaScriptEnabled: false });
    const noScript = await context.newPage();
    const start = await passwordStep(noScript, plain, who.email);
    await noScript.getByRole('heading', { name: 'Add a passkey?' }).waitFor();
    await expect(noScript.getByRole('button', { name: 'Create a passkey' }).isVisible()).resolves.toBe(false);
    await noScript.getByRole('button', { name: 'Not now' }).click();
    expect(await claimsAfter(noScript, plain, start)).toMatchObject({ amr: ['pwd'] });
    await context.close();
  });
  it('drops the password once a passkey and recovery codes exist; then only the passkey signs in', async () => {
    // Its own browser context and authenticator: a fresh one offers no other test's passkeys to autofill.
    const own = await browser.newPage();
    const ownProblems = collectConsoleProblems(own);
    await addVirtualAuthenticator(own);
    const who = await person();
    const enrollment = await server.container.mfa.beginTotpEnrollment(who.id, who.email);
    await server.container.mfa.confirmTotpEnrollment(who.id, await currentCode(enrollment.secret, clock));
    // The passkey comes from the strict client's sign-in: the code, then "Create a passkey", then its use.
    const start = await passwordStep(own, strict, who.email);
    clock.advance(30);
    await own.getByLabel('Verification code').fill(await currentCode(enrollment.secret, clock));
    await own.getByRole('button', { name: 'Verify' }).click();
    await createPasskey(own);
    await own.getByRole('button', { name: 'Use a passkey' }).click({ timeout: 5000 }).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\n${own.url()}\n${await own.locator('main').textContent()}`);
    });
    await claimsAfter(own, strict, start);

    await own.goto(`${server.issuer}/account/password`);
    await own.getByRole('heading', { name: 'Sign in without a password' }).waitFor();
    await saveScreenshot(own, 'passkey-passwordless-remove');
    expect(await wcagViolations(own)).toEqual([]);
    await own.locator('#current-remove').fill(PASSWORD);
    await own.getByRole('button', { name: 'Remove my password' }).click();
    await own.waitForURL(/done=password-removed/);

    // The login page's autofill offers the passkey (this authenticator answers at once): no password involved.
    // That a password is now refused like a wrong one: test/integration/passkeys/passwordless.test.ts.
    await own.context().clearCookies();
    await own.goto((await startAuthorization(plain, { redirect_uri: site.callbackUrl })).url.href);
    await own.waitForURL((url) => url.href.startsWith(site.callbackUrl));
    expect(await events('login.succeeded', who.id)).toEqual(expect.arrayContaining([expect.objectContaining({ detail: expect.objectContaining({ amr: ['hwk', 'user', 'mfa'] }) })]));
    // The refused password's 401 is the one problem the console saw.
    expect(ownProblems.filter((problem) => !problem.includes('/login'))).toEqual([]);
    await own.context().close();
  });
});
