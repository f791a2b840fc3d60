import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { VIEWS_DIRECTORY, createRenderer } from '../../../src/http/views.js';
import { loadCatalogs, msg } from '../../../src/i18n/catalogs.js';
import { createI18n } from '../../../src/i18n/index.js';
import { PSEUDO_LOCALE, textOutsideCatalog, writePseudoLocaleFolder } from '../../support/pseudo-locale.js';

/**
 * Renders every hosted page template (views/pages, the operator console excepted) in a pseudo-locale
 * whose every message is wrapped in ⟦…⟧, and fails when visible text lies outside the markers: text
 * typed into a template instead of taken from the catalog. Data (names, addresses, codes, dates) is
 * marked translate="no" or sits in <code>/<time>, or is one of the values below.
 */
const PRODUCT = 'Acme';
const CLIENT = 'Appy';
const EMAIL = 'ada@example.com';
const DATA = [PRODUCT, CLIENT, EMAIL, 'Corp SSO', 'Deutsch', 'EN', 'https://api.example'];

const now = new Date('2026-12-06T10:00:00Z');
const account = { id: 'a-1', email: EMAIL, email_verified: false, name: 'Ada', locale: null };
const session = { uid: 's1', device: msg('device.browserOnSystem', { browser: 'Chrome', system: 'Linux' }), current: true, ip: '192.0.2.1', lastSeenAt: now, userAgent: 'Mozilla/5.0' };
const common = { csrf: 'token', action: '/x', abortUrl: '/abort', clientName: CLIENT };

const FIXTURES: Record<string, Array<Record<string, unknown>>> = {
  login: [{ ...common, clientLinks: { logoUri: 'https://app.example/logo.png', policyUri: 'https://app.example/privacy', tosUri: 'https://app.example/tos' }, notice: 'verifyPage.yourAddressIsNotVerified', error: 'loginPage.failed', rememberMe: true, forgotUrl: '/f', signupUrl: '/s', connections: [{ action: '/c', slug: 'corp', name: 'Corp SSO' }], passkey: { options: '{}', action: '/p' } }],
  consent: [{ ...common, clientLinks: { logoUri: 'https://app.example/logo.png', policyUri: 'https://app.example/privacy' }, denyAction: '/deny', accountEmail: EMAIL, scopes: [msg('consent.scope.email'), msg('consent.scope.offline_access')], claims: [msg('consent.claim.groups')], resources: ['https://api.example'] }],
  account: [{ account, done: 'accountPage.yourNameWasChanged', nameError: 'error.INVALID_EMAIL', attributesError: 'error.INVALID_EMAIL', fields: [], sessions: [session, { ...session, current: false, ip: null }], activity: [{ description: 'activity.signedIn', outcome: 'failure', occurredAt: now.toISOString(), ip: '192.0.2.1', device: msg('device.unknown'), clientName: CLIENT, userAgent: 'x' }], applications: [{ clientName: CLIENT, grantId: 'g', createdAt: now, scopes: ['openid'] }], csrf: 't' }, { account, sessions: [], activity: [], applications: [], csrf: 't' }],
  'account-connections': [{ email: EMAIL, csrf: 't', connections: [{ action: '/a', name: 'Corp SSO', linked: true }, { action: '/b', name: 'Corp SSO', linked: false }] }, { email: EMAIL, csrf: 't', connections: [] }],
  'account-data': [{ account, csrf: 't', when: (v: unknown) => String(v ?? ''), json: (v: unknown) => JSON.stringify(v), device: () => msg('device.other'), clientName: () => CLIENT,
    data: { exported_at: now.toISOString(), account: { ...account, status: 'active', has_password: true, locked_at: now.toISOString(), created_at: now.toISOString(), last_login_at: now.toISOString() }, pending_deletion: { erase_after: now.toISOString() }, attributes: {}, email_history: [{ address: EMAIL, since: now.toISOString(), until: now.toISOString() }],
      linked_identities: [{ connection_id: 'corp', subject: 'sub', email: EMAIL, created_at: now.toISOString(), last_login_at: now.toISOString() }], second_factors: { factors: [{ name: 'TOTP', kind: 'totp', remaining: 3, created_at: now.toISOString() }, { name: 'Key', kind: 'passkey', authenticator: 'YubiKey', created_at: now.toISOString(), last_used_at: null }] },
      sessions: [{ user_agent: 'Mozilla', ip: '192.0.2.1', login_at: now.toISOString(), last_seen_at: now.toISOString() }], applications: [{ client_id: 'c', scope: 'openid', resources: { x: 1 }, granted_at: now.toISOString() }], events: [{ type: 'login.succeeded', outcome: 'failure', occurred_at: now.toISOString(), actor_type: 'account', ip: '192.0.2.1', client_id: 'c', user_agent: 'x' }] } }],
  'account-delete': [{ account: { ...account, password_hash: 'x' }, csrf: 't', graceDays: 7, needsCode: true, error: 'error.WRONG_PASSWORD' }, { account, csrf: 't', graceDays: 0 }],
  'account-email': [{ account, csrf: 't', error: 'error.SAME_EMAIL' }],
  'account-passkeys': [{ account, csrf: 't', done: 'passkeysPage.thePasskeyWasRenamed', error: 'passkeysPage.registrationRefused', maxNameLength: 64, passkeys: [{ id: 'p', name: 'Laptop', synced: true, authenticator: 'iCloud', createdAt: now, lastUsedAt: now }, { id: 'q', name: 'Key', synced: false, createdAt: now, lastUsedAt: null }] }, { account, csrf: 't', passkeys: [], maxNameLength: 64, ceremony: { options: '{}', name: 'Laptop' } }, { account, csrf: 't', passwordless: true, maxNameLength: 64, passkeys: [{ id: 'p', name: 'Laptop', synced: true, createdAt: now, lastUsedAt: now }] }],
  'account-password': [{ account, csrf: 't', minLength: 15, maxLength: 128, error: msg('error.password.too_short', { minimum: 15 }), mayRemove: true }, { account, csrf: 't', minLength: 15, maxLength: 128, mayRemove: false }, { account: { ...account, password_hash: null }, passwordless: true, csrf: 't', minLength: 15, maxLength: 128, error: 'error.wrongPassword' }],
  'account-security': [{ account, csrf: 't', done: 'securityPage.twoStepVerificationIsOff', error: 'error.codeRejected', mfa: { totpEnrolled: true, recoveryCodesRemaining: 8 } }, { account, csrf: 't', mfa: { totpEnrolled: false } }, { account: { ...account, password_hash: null }, csrf: 't', mfa: { totpEnrolled: true, recoveryCodesRemaining: 8 } }, { account, csrf: 't', codes: ['AAAA-BBBB'] }, { account, csrf: 't', enrollment: { qrDataUrl: 'data:,', manualKey: 'KEY' } }],
  'confirm-link': [{ csrf: 't', token: 'x', action: '/x', title: 'signupPage.verifyYourEmail', heading: 'signupPage.verifyYourEmailAddress', message: msg('signupPage.confirmAddress', { email: EMAIL }), button: 'signupPage.verifyMyAddress' }],
  'device-code': [{ action: '/device', xsrf: 'x', error: 'devicePage.wrongCode', userCode: 'ABCD' }],
  'device-confirm': [{ ...common, xsrf: 'x', userCode: 'ABCD-EFGH', scopes: [msg('consent.scope.profile')], resources: ['https://api.example'] }],
  'device-done': [{ approved: true, clientName: CLIENT, action: '/device' }, { approved: false, clientName: CLIENT, action: '/device' }, { approved: false, action: '/device' }],
  'email-form': [{ csrf: 't', action: '/x', title: 'recoveryPage.forgotPassword', heading: 'recoveryPage.resetYourPassword', message: 'recoveryPage.enterTheEmailAddressOf', button: 'recoveryPage.sendTheLink', error: msg('error.tooManyMails', { minutes: 3 }), aside: { href: '/account', text: 'recoveryPage.backToSignIn' } }],
  error: [{ message: { key: 'error.NOT_FOUND', fallback: 'Not found' }, code: 'NOT_FOUND', requestId: 'r-1', detail: 'redirect_uri did not match' }, { heading: 'providerPage.signInCannotContinue', message: 'providerPage.badRequest' }],
  'federation-error': [{ heading: msg('federationPage.refusedHeading', { provider: 'Corp SSO' }), message: msg('federationPage.refused.no_email', { provider: 'Corp SSO' }), code: 'NO_EMAIL', requestId: 'r', backUrl: '/back' }],
  'federation-link': [{ ...common, connectionName: 'Corp SSO', email: EMAIL, error: 'error.wrongPassword' }],
  logout: [{ form: '<form id="op.logoutForm" method="post"></form>', clientName: CLIENT }, { form: '' }],
  'passkey-enroll': [{ ...common, options: '{}', error: 'passkey-enroll.refused' }, { ...common, offer: true, options: '{}', skipAction: '/skip' }],
  'mfa-challenge': [{ ...common, codeForm: true, passkey: { options: '{}', action: '/p' }, notice: 'mfaPage.passkeyRequired', error: 'error.codeRejected' }, { ...common, passkey: { options: '{}', action: '/p' }, notice: 'mfaPage.passkeyAdded' }, { ...common, codeForm: true, notice: 'mfaPage.codeThenPasskey' }, { ...common, codeForm: true }],
  'mfa-enroll': [{ ...common, qrDataUrl: 'data:,', manualKey: 'KEY', error: 'error.codeRejected' }],
  'mfa-recovery-codes': [{ ...common, codes: ['AAAA-BBBB'] }],
  notice: [{ title: 'link.title', heading: 'link.heading', message: { key: 'error.LINK_USED', fallback: 'x' }, link: { href: '/x', text: 'recoveryPage.askForANewLink' }, code: 'LINK_USED' }],
  reset: [{ csrf: 't', token: 'x', email: EMAIL, minimumLength: 15, maxLength: 128, error: msg('error.password.context', { product: PRODUCT }) }],
  'signed-out': [{ clientName: CLIENT }, {}],
  signup: [{ csrf: 't', allowedDomains: ['example.com'], error: msg('error.SIGNUP_DOMAIN_NOT_ALLOWED', { domains: 'example.com' }), minLength: 15, maxLength: 128, signInUrl: '/in', returnTo: '/interaction/x', fields: [{ id: 'f', name: 'f', type: 'string_list', label: 'Teams', description: 'Your teams', required: false, value: '' }, { id: 'b', name: 'b', type: 'boolean', label: 'News', checked: false }] }, { csrf: 't', allowedDomains: [], minLength: 15, maxLength: 128, signInUrl: '/in' }],
  'verify-required': [{ csrf: 't', email: EMAIL, continueAction: '/c', resendAction: '/r', abortUrl: '/a', notice: msg('verifyPage.sent', { email: EMAIL }), error: 'verifyPage.yourAddressIsNotVerified' }],
};

const DATA_VALUES = [...DATA, 'Teams', 'News', 'Your teams'];

describe('every hosted page takes all its text from the catalogs', () => {
  const folder = writePseudoLocaleFolder();
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const i18n = createI18n(loadCatalogs({ operatorDirectory: folder, defaultLocale: PSEUDO_LOCALE }));
  const render = createRenderer({ productName: PRODUCT, supportUrl: 'https://help.example' }, i18n);
  const templates = readdirSync(join(VIEWS_DIRECTORY, 'pages'))
    .filter((name) => name.endsWith('.eta') && !name.startsWith('console-'))
    .map((name) => name.replace(/\.eta$/, ''));

  it('has a rendering for every page template (a new page needs one here)', () => {
    expect(templates.filter((name) => !FIXTURES[name])).toEqual([]);
  });

  it.each(templates)('%s', (template) => {
    for (const data of FIXTURES[template] ?? []) {
      const html = render(template, data);
      expect(html).toContain(`<html lang="${PSEUDO_LOCALE}" dir="ltr">`);
      expect([template, textOutsideCatalog(html, DATA_VALUES)]).toEqual([template, '']);
    }
  });

  it('would catch a hard-coded word (the check can fail)', () => {
    expect(textOutsideCatalog('<p>⟦Sign in⟧ Welcome</p>', [])).toBe('Welcome');
    expect(textOutsideCatalog('<p title="Hello">⟦x⟧</p>', [])).toBe('Hello');
    expect(textOutsideCatalog('<select><option>Automatic</option><option translate="no">Deutsch</option></select>', [])).toBe('Automatic');
    expect(textOutsideCatalog('<p>⟦a <a>⟦b⟧</a> c⟧<span translate="no">Ada</span><code>X</code></p>', [])).toBe('');
  });
});
