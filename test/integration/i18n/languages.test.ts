import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mailLink, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { PSEUDO_LOCALE, textOutsideCatalog, writePseudoLocaleFolder } from '../../support/pseudo-locale.js';
import { passwordStep } from '../../support/mfa.js';
import { ACR_MFA } from '../../../src/mfa/policy.js';
import { REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'purple elephants dance at noon';
const langOf = (body: string) => /<html lang="([^"]+)" dir="(ltr|rtl)">/.exec(body)?.slice(1, 3);

/**
 * The language of the hosted pages and mails over real HTTP: ui_locales, the saved choice, the switch
 * cookie, Accept-Language, discovery, mail in the account's language (smtp-server), and a pseudo-locale
 * catalog dropped into LOCALES_DIR that shows no page text comes from anywhere but the catalogs.
 */
describe('languages', () => {
  let env: AccountTestServer;
  let web: RegisteredClient;
  const folder = writePseudoLocaleFolder();

  beforeAll(async () => {
    env = await startAccountServer({ env: { LOCALES_DIR: folder } });
    web = await registerClient(env.issuer, env.server.container);
    await env.server.container.accounts.createAccount({ email: 'ada@example.com', name: 'Ada', password: PASSWORD, emailVerified: true });
  });
  afterAll(async () => {
    await env.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('lists every language in discovery (ui_locales_supported), the operator\'s too', async () => {
    const discovery = await (await fetch(`${env.issuer}/.well-known/openid-configuration`)).json();
    expect(discovery.ui_locales_supported).toEqual(['en', 'ar', 'de', PSEUDO_LOCALE, 'es', 'fr', 'ja', 'pt-BR']);
  });

  it('shows the login page in the ui_locales language, before the cookie and Accept-Language', async () => {
    const agent = new UserAgent();
    await agent.jar.setCookie('idp.locale=fr', env.issuer);
    const start = await startAuthorization(web, { ui_locales: 'ko de-CH' });
    const page = await agent.request(start.url.href, { headers: { 'accept-language': 'es' } });
    expect(langOf(page.body)).toEqual(['de', 'ltr']);
    expect(page.body).toContain('Anmelden');
    // A wrong password: the message comes back in German too.
    const failed = await agent.request(UserAgent.action(page, '/login'), { form: { csrf: UserAgent.field(page, 'csrf'), email: 'ada@example.com', password: 'wrong password here' } });
    expect(failed.body).toContain('E-Mail oder Passwort ist nicht korrekt.');
  });

  it('falls back without an error on malformed, huge or unknown ui_locales and Accept-Language', async () => {
    for (const bad of ['!!', 'tlh', 'x'.repeat(5000), 'de_DE;;q=x', '*;q=1']) {
      const start = await startAuthorization(web, { ui_locales: bad });
      const page = await new UserAgent().request(start.url.href, { headers: { 'accept-language': bad } });
      expect([bad.slice(0, 10), page.status]).toEqual([bad.slice(0, 10), 200]);
      expect(langOf(page.body)).toEqual(['en', 'ltr']);
    }
    const arabic = await new UserAgent().request(`${env.issuer}/account/forgot`, { headers: { 'accept-language': 'x'.repeat(600) + ', ar;q=0.5' } });
    expect(langOf(arabic.body)).toEqual(['en', 'ltr']);
  });

  it('follows Accept-Language, then the switch (a CSRF-checked POST that sets a cookie and goes back)', async () => {
    const agent = new UserAgent();
    const page = await agent.request(`${env.issuer}/account/forgot`, { headers: { 'accept-language': 'ar-EG,ar;q=0.9' } });
    expect(langOf(page.body)).toEqual(['ar', 'rtl']);
    expect(page.body).toContain('/assets/rtl.css');

    const switched = await agent.request(UserAgent.action(page, '/account/language'), { form: { csrf: UserAgent.field(page, 'csrf'), locale: 'ja', return_to: '/account/forgot' }, headers: { 'accept-language': 'ar' } });
    expect(switched.url).toBe(`${env.issuer}/account/forgot`);
    expect(langOf(switched.body)).toEqual(['ja', 'ltr']);
    expect(switched.body).toContain('パスワードの再設定');

    // Without the form's token: refused, and the cookie stays.
    const forged = await agent.request(`${env.issuer}/account/language`, { form: { csrf: 'forged', locale: 'fr', return_to: '/account/forgot' } });
    expect(forged.status).toBe(403);
    expect(langOf((await agent.request(`${env.issuer}/account/forgot`)).body)).toEqual(['ja', 'ltr']);

    // Another origin as the way back is not followed; an unknown language clears the choice.
    const elsewhere = await agent.request(UserAgent.action(switched, '/account/language'), { form: { csrf: UserAgent.field(switched, 'csrf'), locale: 'xx', return_to: '//evil.example/' } });
    expect(elsewhere.url.startsWith(`${env.issuer}/`)).toBe(true);
    expect(langOf((await agent.request(`${env.issuer}/account/forgot`, { headers: { 'accept-language': 'es' } })).body)).toEqual(['es', 'ltr']);
  });

  it('saves the person\'s choice on the account page; it wins over the cookie and goes with the mails', async () => {
    const agent = new UserAgent();
    await agent.jar.setCookie('idp.locale=es', env.issuer);
    const page = await signInToAccount(agent, env.issuer, { email: 'ada@example.com', password: PASSWORD });
    expect(langOf(page.body)).toEqual(['es', 'ltr']);
    const saved = await submit(agent, page, '/account/locale', { locale: 'pt-BR' });
    expect(langOf(saved.body)).toEqual(['pt-BR', 'ltr']);
    expect(saved.body).toContain('Seu idioma foi salvo.');
    expect((await env.server.container.accounts.findByEmail('ada@example.com'))!.locale).toBe('pt-BR');
    const events = await env.server.container.vault.reveal(await env.server.container.db('events').where({ type: 'account.profile_updated' }));
    expect(events.map((event: { detail: { fields: string[] } }) => event.detail.fields)).toContainEqual(['locale']);

    // Signed in, the consent page follows the saved choice; the application's ui_locales still comes first.
    const consent = await agent.request((await startAuthorization(web)).url.href);
    expect(consent.body).toContain('/confirm"');
    expect(langOf(consent.body)).toEqual(['pt-BR', 'ltr']);
    expect(langOf((await agent.request((await startAuthorization(web, { ui_locales: 'ja' })).url.href)).body)).toEqual(['ja', 'ltr']);

    // A reset asked for from a French page still goes out in the account's language.
    const french = new UserAgent();
    await french.jar.setCookie('idp.locale=fr', env.issuer);
    const forgot = await french.request(`${env.issuer}/account/forgot`);
    expect(langOf(forgot.body)).toEqual(['fr', 'ltr']);
    await submit(french, forgot, '/account/forgot', { email: 'ada@example.com' });
    const { mail } = await mailLink(env.smtp, 'ada@example.com', `${env.issuer}/account/reset?token=`);
    expect(mail.subject).toBe('Redefina sua senha do Acme ID');
    expect(mail.text).toContain('O link funciona uma vez, por 30 minutos');
    expect(mail.html).toContain('<html lang="pt-BR" dir="ltr">');
  });

  it('shows the second step of a sign-in in the saved language once the password is proven, never before', async () => {
    const who = await env.server.container.accounts.createAccount({ email: 'kenji@example.com', name: 'Kenji', password: PASSWORD, emailVerified: true });
    await env.server.container.db('accounts').where({ id: who.id }).update({ locale: 'ja' });
    const agent = new UserAgent(REDIRECT_URI);
    await agent.jar.setCookie('idp.locale=de', env.issuer);
    const { page } = await passwordStep(web, who.email, PASSWORD, { acr_values: ACR_MFA }, agent);
    expect(page.url).toContain('/mfa');
    expect(langOf(page.body)).toEqual(['ja', 'ltr']);
    // The login page before the password knows no account: the cookie decides there.
    const fresh = new UserAgent(REDIRECT_URI);
    await fresh.jar.setCookie('idp.locale=de', env.issuer);
    const login = await fresh.request((await startAuthorization(web, { login_hint: who.email })).url.href);
    expect(langOf(login.body)).toEqual(['de', 'ltr']);
  });

  it('mails someone without an account in the language of the page that sent it (sign-up)', async () => {
    const agent = new UserAgent();
    await agent.jar.setCookie('idp.locale=de', env.issuer);
    const form = await agent.request(`${env.issuer}/account/signup`);
    await submit(agent, form, '/account/signup', { name: 'Neu', email: 'neu@example.com', password: PASSWORD });
    const { mail } = await mailLink(env.smtp, 'neu@example.com', `${env.issuer}/account/verify?token=`);
    // (The test's mail parser keeps a space where the encoded subject was folded.)
    expect(mail.subject).toMatch(/^Bestätigen Sie Ihre E-Mail-Adresse\s+für Acme ID$/);
  });

  it('takes every text of real pages from the catalogs, messages made in code included (pseudo-locale)', async () => {
    const agent = new UserAgent();
    await agent.jar.setCookie(`idp.locale=${PSEUDO_LOCALE}`, env.issuer);
    const pages = [
      await agent.request(`${env.issuer}/account/signup`),
      await agent.request(`${env.issuer}/account/forgot`),
      await agent.request(`${env.issuer}/account/forgot/sent`),
      await agent.request(`${env.issuer}/account/verify/resend`),
      await agent.request(`${env.issuer}/account/reset?token=not-a-token`),
      await agent.request((await startAuthorization(web)).url.href),
    ];
    const login = pages.at(-1)!;
    pages.push(await agent.request(UserAgent.action(login, '/login'), { form: { csrf: UserAgent.field(login, 'csrf'), email: 'ada@example.com', password: 'not the password' } }));
    pages.push(await agent.request(`${env.issuer}/account/language`, { form: { csrf: 'forged' } }));
    for (const page of pages) {
      expect([page.url, langOf(page.body)]).toEqual([page.url, [PSEUDO_LOCALE, 'ltr']]);
      expect([page.url, textOutsideCatalog(page.body, ['Acme ID', 'Test web app', 'ada@example.com'])]).toEqual([page.url, '']);
    }
  });
});
