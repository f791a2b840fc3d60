import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import type { Container } from '../../src/container.js';
import { startRelyingPartySite, type RelyingPartySite } from './browser.js';
import { linkIn, startSmtpReceiver, type SmtpReceiver } from './mail.js';
import { currentCode } from './mfa.js';
import { TEST_ACTOR } from './rbac.js';
import { startAuthorization, type RegisteredClient } from './relying-party.js';
import { startTestServer, type TestServer } from './server.js';
import { startUpstreamOidc } from './upstream.js';

/**
 * Every hosted page an end user can meet, each with a way to reach it from a fresh browser context.
 * The accessibility test (test/browser/hosted-pages.test.ts) visits them all in light and dark; a
 * language test can loop the same list over the shipped languages. Pages are reached as a person
 * would (links, forms, mailed links), and each reach uses people of its own, so the order and the
 * number of visits do not matter.
 */
export interface HostedPage {
  name: string;
  reach(page: Page, tour: Tour): Promise<void>;
  /** On a page that shows a form error: the ids of the fields that error is about (aria-invalid + aria-describedby). */
  invalid?: string[];
}

export const PASSWORD = 'lanterns glow over the harbour';
const SHORT = 'too short';
const clock = { now: () => new Date() };

export interface Tour {
  issuer: string;
  server: TestServer;
  container: Container;
  smtp: SmtpReceiver;
  site: RelyingPartySite;
  /** An ordinary web client, one that requires MFA, one that requires a verified address, a TV. */
  clients: { web: RegisteredClient; mfa: RegisteredClient; verified: RegisteredClient; device: oidc.Configuration };
  upstream: Awaited<ReturnType<typeof startUpstreamOidc>>;
  /** A new account with a unique address; `totp` enrols an authenticator and returns its secret. */
  person(options?: { verified?: boolean; totp?: boolean }): Promise<{ email: string; password: string; secret?: string }>;
  authorizationUrl(client: RegisteredClient): Promise<string>;
  /**
   * The language the tour's browser asks for (set by the test, e.g. with the \`idp.locale\` cookie), and
   * a catalog text in it: the reach steps find buttons, labels and headings by their words in that language.
   */
  locale: string;
  t(key: string, values?: Record<string, unknown>): string;
  close(): Promise<void>;
}

/**
 * The server for the tour: sign-up and mail on (a real SMTP receiver), an upstream OpenID provider
 * for the federation pages, and the relying party's own site. The issuer is `localhost` and the
 * upstream 127.0.0.1, so the two oidc-provider instances never share cookies in one browser.
 */
export async function startTour(env: Record<string, string> | ((site: RelyingPartySite) => Record<string, string>) = {}): Promise<Tour> {
  const smtp = await startSmtpReceiver();
  const site = await startRelyingPartySite();
  const extra = typeof env === 'function' ? env(site) : env;
  const server = await startTestServer({
    issuerHost: 'localhost',
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Identity <no-reply@example.test>', SIGNUP_ENABLED: 'true', PRODUCT_NAME: 'Acme ID', ...extra },
  });
  server.container.mailWorker.start();
  const { container, issuer } = server;
  const upstreamSecret = 'upstream-client-secret-for-the-tour';
  const upstream = await startUpstreamOidc({ clientId: 'broker', clientSecret: upstreamSecret, redirectUris: [`${issuer}/federation/callback/corp`] });
  await container.connections.createConnection({ issuer: upstream.issuer, client_id: 'broker', client_secret: upstreamSecret, slug: 'corp', display_name: 'Corp SSO' }, TEST_ACTOR);

  const siteClient = async (name: string, extra: { requireVerifiedEmail?: boolean } = {}) => {
    const { client, clientSecret } = await container.clients.createClient({ name, type: 'web', redirectUris: [site.callbackUrl], postLogoutRedirectUris: [site.signedOutUrl], ...extra });
    const config = await oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(clientSecret!), { execute: [oidc.allowInsecureRequests] });
    return { clientId: client.client_id, clientSecret, config };
  };
  const mfa = await siteClient('Acme Payroll');
  await container.db('clients').where({ client_id: mfa.clientId }).update({ require_mfa: true });
  const { client: tv } = await container.clients.createClient({ name: 'Living-room TV', type: 'device', redirectUris: [], postLogoutRedirectUris: [] });
  let count = 0;
  return {
    issuer,
    server,
    container,
    smtp,
    site,
    upstream,
    clients: {
      web: await siteClient('Acme Notes'),
      mfa,
      verified: await siteClient('Acme Bank', { requireVerifiedEmail: true }),
      device: await oidc.discovery(new URL(issuer), tv.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] }),
    },
    async person(options = {}) {
      const email = `person-${++count}@example.com`;
      const account = await container.accounts.createAccount({ email, password: PASSWORD, emailVerified: options.verified ?? true });
      if (!options.totp) return { email, password: PASSWORD };
      const enrollment = await container.mfa.beginTotpEnrollment(account.id, 'test');
      await container.mfa.confirmTotpEnrollment(account.id, await currentCode(enrollment.secret, clock));
      return { email, password: PASSWORD, secret: enrollment.secret };
    },
    authorizationUrl: async (client) => (await startAuthorization(client, { redirect_uri: site.callbackUrl })).url.href,
    locale: 'en',
    t(key: string, values?: Record<string, unknown>): string {
      return container.i18n.translator((this as Tour).locale).t(key, values);
    },
    async close() {
      await upstream.close();
      await server.close();
      await smtp.close();
      await site.close();
    },
  };
}

async function signIn(page: Page, tour: Tour, credentials: { email: string; password: string }) {
  await page.getByLabel(tour.t('common.email'), { exact: true }).fill(credentials.email);
  await page.getByLabel(tour.t('common.password'), { exact: true }).fill(credentials.password);
  await page.getByRole('button', { name: tour.t('login.submit'), exact: true }).click();
}
/** The page's heading; a catalog key is looked up in the tour's language. */
const heading = (page: Page, tour: Tour, key: string | RegExp, values?: Record<string, unknown>) =>
  page.getByRole('heading', { name: typeof key === 'string' ? tour.t(key, values) : key, level: 1 }).waitFor();
/** The main form's submit button (the footer's language switch has one too). */
const submitButton = (page: Page) => page.locator('main form button[type=submit]').first();
const alert = (page: Page) => page.locator('.alert').waitFor();

/** Signs a new person in to the account pages and opens `path`. */
async function accountPage(page: Page, tour: Tour, path: string, person?: { email: string; password: string }) {
  await page.goto(`${tour.issuer}/account`);
  await signIn(page, tour, person ?? (await tour.person()));
  await heading(page, tour, 'account.title');
  if (path !== '/account') await page.goto(`${tour.issuer}${path}`);
}

async function signedUp(page: Page, tour: Tour): Promise<string> {
  const email = `newcomer-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await page.goto(`${tour.issuer}/account/signup`);
  await page.getByLabel(tour.t('common.name'), { exact: true }).fill('Dana Newcomer');
  await page.getByLabel(tour.t('common.email'), { exact: true }).fill(email);
  await page.getByLabel(tour.t('common.password'), { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: tour.t('signup.submit') }).click();
  await heading(page, tour, 'signupPage.checkYourEmail');
  return email;
}

async function resetLink(page: Page, tour: Tour) {
  const { email } = await tour.person();
  await page.goto(`${tour.issuer}/account/forgot`);
  await page.getByLabel(tour.t('common.email'), { exact: true }).fill(email);
  await submitButton(page).click();
  await page.waitForURL(/\/account\/forgot\/sent/);
  await page.goto(linkIn(await tour.smtp.nextMail(email), `${tour.issuer}/account/reset?token=`));
}

async function mfaEnroll(page: Page, tour: Tour) {
  await page.goto(await tour.authorizationUrl(tour.clients.mfa));
  await signIn(page, tour, await tour.person());
  await heading(page, tour, 'mfa.enrollTitle');
}

async function mfaChallenge(page: Page, tour: Tour) {
  await page.goto(await tour.authorizationUrl(tour.clients.mfa));
  await signIn(page, tour, await tour.person({ totp: true }));
  await page.getByLabel(tour.t('mfa.code')).waitFor();
}

async function deviceCode(page: Page, tour: Tour) {
  const started = await oidc.initiateDeviceAuthorization(tour.clients.device, { scope: 'openid email' });
  await page.goto(started.verification_uri);
  return started;
}

async function deviceConfirm(page: Page, tour: Tour) {
  const started = await deviceCode(page, tour);
  await page.locator('#user_code').fill(started.user_code);
  await submitButton(page).click();
  await heading(page, tour, 'device.confirmHeading', { client: 'Living-room TV' });
}

async function linkRequired(page: Page, tour: Tour) {
  const local = await tour.person();
  const sub = `upstream-${local.email}`;
  tour.upstream.users.set(sub, { email: local.email, email_verified: true });
  tour.upstream.signInAs(sub);
  await page.goto(await tour.authorizationUrl(tour.clients.web));
  await page.getByRole('button', { name: tour.t('login.continueWith', { provider: 'Corp SSO' }) }).click();
  await page.waitForURL(/\/federation\/link/);
}

async function logout(page: Page, tour: Tour) {
  await page.goto(await tour.authorizationUrl(tour.clients.web));
  await signIn(page, tour, await tour.person());
  await page.getByRole('button', { name: tour.t('consent.allow') }).click();
  await page.waitForURL((url) => url.href.startsWith(tour.site.callbackUrl));
  await page.goto(oidc.buildEndSessionUrl(tour.clients.web.config).href);
  await page.getByRole('button', { name: tour.t('logout.yes') }).waitFor();
}

async function emailChange(page: Page, tour: Tour) {
  await accountPage(page, tour, '/account/email');
  const address = `moved-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await page.locator('#email').fill(address);
  await submitButton(page).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/account/email'));
  return address;
}

export const HOSTED_PAGES: HostedPage[] = [
  // Sign-in, consent, logout and the protocol's error pages.
  { name: 'login', reach: async (page, tour) => { await page.goto(await tour.authorizationUrl(tour.clients.web)); } },
  {
    name: 'login-error',
    invalid: ['email', 'password'],
    reach: async (page, tour) => {
      await page.goto(await tour.authorizationUrl(tour.clients.web));
      await signIn(page, tour, { email: (await tour.person()).email, password: 'not the password' });
      await alert(page);
    },
  },
  {
    name: 'consent',
    reach: async (page, tour) => {
      await page.goto(await tour.authorizationUrl(tour.clients.web));
      await signIn(page, tour, await tour.person());
      await heading(page, tour, 'consent.heading');
    },
  },
  { name: 'logout', reach: logout },
  {
    name: 'signed-out',
    reach: async (page, tour) => {
      await logout(page, tour);
      await page.getByRole('button', { name: tour.t('logout.yes') }).click();
      await heading(page, tour, 'signed-out.heading');
    },
  },
  { name: 'error-protocol', reach: async (page, tour) => { await page.goto((await startAuthorization(tour.clients.web, { redirect_uri: `${tour.site.origin}/elsewhere` })).url.href); } },
  { name: 'error-expired', reach: async (page, tour) => { await page.goto(`${tour.issuer}/interaction/unknown-interaction`); } },

  // Two-step verification during sign-in.
  { name: 'mfa-enroll', reach: mfaEnroll },
  {
    name: 'mfa-enroll-error',
    invalid: ['code'],
    reach: async (page, tour) => {
      await mfaEnroll(page, tour);
      await page.getByLabel(tour.t('common.codeFromApp')).fill('000000');
      await page.getByRole('button', { name: tour.t('common.turnOn') }).click();
      await alert(page);
    },
  },
  {
    name: 'mfa-recovery-codes',
    reach: async (page, tour) => {
      await mfaEnroll(page, tour);
      const secret = (await page.locator('.secret-key').textContent())!.replace(/\s/g, '');
      await page.getByLabel(tour.t('common.codeFromApp')).fill(await currentCode(secret, clock));
      await page.getByRole('button', { name: tour.t('common.turnOn') }).click();
      await heading(page, tour, 'mfa.codesHeading');
    },
  },
  { name: 'mfa-challenge', reach: mfaChallenge },
  {
    name: 'mfa-challenge-error',
    invalid: ['code'],
    reach: async (page, tour) => {
      await mfaChallenge(page, tour);
      await page.getByLabel(tour.t('mfa.code')).fill('000000');
      await page.getByRole('button', { name: tour.t('mfa.verify'), exact: true }).click();
      await alert(page);
    },
  },
  {
    name: 'verify-required',
    reach: async (page, tour) => {
      await page.goto(await tour.authorizationUrl(tour.clients.verified));
      await signIn(page, tour, await tour.person({ verified: false }));
      await heading(page, tour, 'verify-required.heading');
    },
  },

  // Federation: the upstream's refusal, and linking to an existing local account.
  {
    name: 'federation-error',
    reach: async (page, tour) => {
      tour.upstream.refuse();
      await page.goto(await tour.authorizationUrl(tour.clients.web));
      await page.getByRole('button', { name: tour.t('login.continueWith', { provider: 'Corp SSO' }) }).click();
      await heading(page, tour, /Corp SSO/);
    },
  },
  { name: 'federation-link', reach: linkRequired },
  {
    name: 'federation-link-error',
    invalid: ['password'],
    reach: async (page, tour) => {
      await linkRequired(page, tour);
      await page.getByLabel(tour.t('common.password'), { exact: true }).fill('not the password');
      await submitButton(page).click();
      await alert(page);
    },
  },

  // Sign-up, verification and password reset.
  { name: 'signup', reach: async (page, tour) => { await page.goto(`${tour.issuer}/account/signup`); } },
  {
    name: 'signup-error',
    invalid: ['name', 'email', 'password'],
    reach: async (page, tour) => {
      await page.goto(`${tour.issuer}/account/signup`);
      await page.getByLabel(tour.t('common.name'), { exact: true }).fill('Dana Newcomer');
      await page.getByLabel(tour.t('common.email'), { exact: true }).fill('dana@example.com');
      await page.getByLabel(tour.t('common.password'), { exact: true }).fill(SHORT);
      await page.getByRole('button', { name: tour.t('signup.submit') }).click();
      await alert(page);
    },
  },
  { name: 'signup-sent', reach: async (page, tour) => { await signedUp(page, tour); } },
  {
    name: 'verify-email',
    reach: async (page, tour) => {
      const email = await signedUp(page, tour);
      await page.goto(linkIn(await tour.smtp.nextMail(email), `${tour.issuer}/account/verify?token=`));
    },
  },
  {
    name: 'verify-done',
    reach: async (page, tour) => {
      const email = await signedUp(page, tour);
      await page.goto(linkIn(await tour.smtp.nextMail(email), `${tour.issuer}/account/verify?token=`));
      await submitButton(page).click();
      await page.waitForURL(/\/account\/verify\/done/);
    },
  },
  { name: 'verify-resend', reach: async (page, tour) => { await page.goto(`${tour.issuer}/account/verify/resend`); } },
  { name: 'forgot', reach: async (page, tour) => { await page.goto(`${tour.issuer}/account/forgot`); } },
  {
    name: 'forgot-sent',
    reach: async (page, tour) => {
      await page.goto(`${tour.issuer}/account/forgot`);
      await page.getByLabel(tour.t('common.email'), { exact: true }).fill('nobody@example.com');
      await submitButton(page).click();
      await page.waitForURL(/\/account\/forgot\/sent/);
    },
  },
  { name: 'reset', reach: resetLink },
  {
    name: 'reset-error',
    invalid: ['password'],
    reach: async (page, tour) => {
      await resetLink(page, tour);
      await page.locator('#password').fill(SHORT);
      await submitButton(page).click();
      await alert(page);
    },
  },
  { name: 'reset-done', reach: async (page, tour) => { await page.goto(`${tour.issuer}/account/reset/done`); } },

  // The account pages.
  { name: 'account', reach: (page, tour) => accountPage(page, tour, '/account') },
  { name: 'account-password', reach: (page, tour) => accountPage(page, tour, '/account/password') },
  {
    name: 'account-password-error',
    invalid: ['current', 'password'],
    reach: async (page, tour) => {
      await accountPage(page, tour, '/account/password');
      await page.locator('#current').fill('not the password');
      await page.locator('#password').fill(`${PASSWORD} and more`);
      await page.getByRole('button', { name: tour.t('account-password.submit') }).click();
      await alert(page);
    },
  },
  { name: 'account-email', reach: (page, tour) => accountPage(page, tour, '/account/email') },
  {
    name: 'account-email-confirm',
    reach: async (page, tour) => {
      const address = await emailChange(page, tour);
      await page.goto(linkIn(await tour.smtp.nextMail(address), `${tour.issuer}/account/email/confirm?token=`));
    },
  },
  { name: 'account-email-changed', reach: async (page, tour) => { await page.goto(`${tour.issuer}/account/email/changed`); } },
  { name: 'account-security', reach: (page, tour) => accountPage(page, tour, '/account/security') },
  {
    name: 'account-security-error',
    invalid: ['password-start'],
    reach: async (page, tour) => {
      await accountPage(page, tour, '/account/security');
      await page.locator('#password-start').fill('not the password');
      await page.getByRole('button', { name: tour.t('account-security.setUp') }).click();
      await alert(page);
    },
  },
  {
    name: 'account-security-enroll',
    reach: async (page, tour) => {
      await accountPage(page, tour, '/account/security');
      await page.locator('#password-start').fill(PASSWORD);
      await page.getByRole('button', { name: tour.t('account-security.setUp') }).click();
      await page.getByLabel(tour.t('common.codeFromApp')).waitFor();
    },
  },
  { name: 'account-passkeys', reach: (page, tour) => accountPage(page, tour, '/account/passkeys') },
  { name: 'account-data', reach: (page, tour) => accountPage(page, tour, '/account/data') },
  { name: 'account-delete', reach: (page, tour) => accountPage(page, tour, '/account/delete') },
  {
    name: 'account-delete-error',
    invalid: ['password'],
    reach: async (page, tour) => {
      await accountPage(page, tour, '/account/delete');
      await page.locator('#password').fill('not the password');
      await page.getByRole('button', { name: tour.t('account-delete.submit') }).click();
      await alert(page);
    },
  },
  { name: 'account-deleted', reach: async (page, tour) => { await page.goto(`${tour.issuer}/account/deleted`); } },
  { name: 'account-connections', reach: (page, tour) => accountPage(page, tour, '/account/connections') },

  // Device sign-in (RFC 8628).
  { name: 'device-code', reach: async (page, tour) => { await deviceCode(page, tour); } },
  {
    name: 'device-code-error',
    invalid: ['user_code'],
    reach: async (page, tour) => {
      await deviceCode(page, tour);
      await page.locator('#user_code').fill('BCDF-GHJK');
      await submitButton(page).click();
      await alert(page);
    },
  },
  { name: 'device-confirm', reach: deviceConfirm },
  {
    name: 'device-done',
    reach: async (page, tour) => {
      await deviceConfirm(page, tour);
      await page.getByRole('button', { name: tour.t('common.continue'), exact: true }).click();
      await signIn(page, tour, await tour.person());
      await page.getByRole('button', { name: tour.t('consent.allow') }).click();
      await heading(page, tour, /./);
    },
  },
];
