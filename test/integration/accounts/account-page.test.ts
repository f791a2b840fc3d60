import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { alertOf, createTestClock, followLink, mailLink, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'the quiet river runs deep';
const NEW_PASSWORD = 'a completely different phrase';

/** The HTML of the account page's section labelled by the heading `headingId`. */
const sectionOf = (page: Page, headingId: string) => new RegExp(`<section class="block" aria-labelledby="${headingId}">([\\s\\S]*?)</section>`).exec(page.body)![1];

describe('the account page', () => {
  const clock = createTestClock();
  let env: AccountTestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    env = await startAccountServer({ clock, env: { RECENT_LOGIN_SECONDS: '600' } });
    web = await registerClient(env.issuer, env.server.container);
  });
  afterAll(() => env.close());

  const account = (email: string, name = 'Sam Example') => env.server.container.accounts.createAccount({ email, name, password: PASSWORD, emailVerified: true });
  const browser = (userAgent: string) => {
    const agent = new UserAgent();
    const request = agent.request.bind(agent);
    agent.request = (url, init = {}) => request(url, { ...init, headers: { 'user-agent': userAgent, ...init.headers } });
    return agent;
  };

  it('sends a visitor through the hosted login of the built-in client and back', async () => {
    await account('sam@example.com');
    const agent = new UserAgent();
    const login = await agent.request(`${env.issuer}/account`);
    expect(login.url).toContain('/interaction/');
    expect(login.body).toContain('Acme ID account');
    expect(login.body).toContain('href="/account/forgot"');
    const page = await submit(agent, login, '/login', { email: 'sam@example.com', password: PASSWORD });
    expect(page.url).toBe(`${env.issuer}/account`);
    expect(page.body).toContain('Your account');
    expect(page.body).toContain('sam@example.com');
    // A wrong password there is the login page's usual answer.
    const other = new UserAgent();
    const refused = await submit(other, await other.request(`${env.issuer}/account`), '/login', { email: 'sam@example.com', password: 'not it at all' });
    expect(refused.status).toBe(401);
  });

  it('changes the name, and refuses an empty one with a 400', async () => {
    await account('sami@example.com');
    const agent = new UserAgent();
    const page = await signInToAccount(agent, env.issuer, { email: 'sami@example.com', password: PASSWORD });
    const changed = await submit(agent, page, '/account/name', { name: '  Samantha Example ' });
    expect(changed.url).toBe(`${env.issuer}/account?done=name`);
    expect(changed.body).toContain('Your name was changed.');
    expect((await env.server.container.accounts.findByEmail('sami@example.com'))!.name).toBe('Samantha Example');
    const empty = await submit(agent, changed, '/account/name', { name: '   ' });
    expect(empty.status).toBe(400);
    expect(alertOf(empty)).toBe('Enter your name.');
    const forged = await agent.request(`${env.issuer}/account/name`, { form: { csrf: 'forged', name: 'Mallory' } });
    expect(forged.status).toBe(403);
  });

  it('changes the password with the current one, and can sign out every other session', async () => {
    await account('pat@example.com');
    const laptop = browser('Mozilla/5.0 (Windows NT 10.0) Firefox/140.0');
    const phone = browser('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/605.1');
    await signInToAccount(laptop, env.issuer, { email: 'pat@example.com', password: PASSWORD });
    await signInToAccount(phone, env.issuer, { email: 'pat@example.com', password: PASSWORD });
    const { start, callback } = await signIn(web, { email: 'pat@example.com', password: PASSWORD });
    const tokens = await exchangeCode(web, start, callback.url);

    const form = await laptop.request(`${env.issuer}/account/password`);
    const wrong = await submit(laptop, form, '/account/password', { current: 'not the password', password: NEW_PASSWORD });
    expect(wrong.status).toBe(400);
    expect(alertOf(wrong)).toBe('The current password is not correct.');
    const weak = await submit(laptop, form, '/account/password', { current: PASSWORD, password: 'pat example com' });
    expect(weak.status).toBe(400);
    expect(alertOf(weak)).toMatch(/your name, your email address/);

    const done = await submit(laptop, form, '/account/password', { current: PASSWORD, password: NEW_PASSWORD, sign_out_others: 'yes' });
    expect(done.url).toBe(`${env.issuer}/account?done=password-others`);
    expect((await laptop.request(`${env.issuer}/account`)).url).toBe(`${env.issuer}/account`);
    expect((await phone.request(`${env.issuer}/account`)).url).toContain('/interaction/');
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await env.smtp.nextMail('pat@example.com')).subject).toBe('Your Acme ID password was changed');
    expect((await env.server.container.accounts.authenticate('pat@example.com', NEW_PASSWORD)).ok).toBe(true);
  });

  it('lists sessions with device, IP and last use, and ends one', async () => {
    const lee = await account('lee@example.com');
    const laptop = browser('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Chrome/130.0 Safari/537.36');
    const phone = browser('Mozilla/5.0 (Linux; Android 15) Firefox/139.0');
    await signInToAccount(phone, env.issuer, { email: 'lee@example.com', password: PASSWORD });
    const page = await signInToAccount(laptop, env.issuer, { email: 'lee@example.com', password: PASSWORD });
    expect(page.body).toContain('Chrome on macOS');
    expect(page.body).toContain('Firefox on Android');
    expect(page.body).toContain('IP 127.0.0.1');
    expect(page.body).toContain('this browser');

    const sessions = await env.server.container.sessionIndex.listSessions(env.server.container.providers.current(), (await env.server.container.accounts.findByEmail('lee@example.com'))!.id);
    const phoneSession = sessions.find((session) => session.userAgent?.includes('Android'))!;
    // The index never holds a usable session id.
    const [row] = await env.server.container.db('browser_sessions').where({ uid: phoneSession.uid });
    const phoneCookie = (await phone.jar.getCookies(env.issuer)).find((cookie) => cookie.key === '_session')!.value;
    expect(JSON.stringify(row)).not.toContain(phoneCookie);

    const ended = await submit(laptop, page, `/account/sessions/${phoneSession.uid}/revoke`);
    expect(ended.url).toBe(`${env.issuer}/account?done=session-revoked`);
    // Gone from the sessions (the sign-in stays in the activity below them).
    expect(sectionOf(ended, 'sessions-title')).not.toContain('Firefox on Android');
    expect((await phone.request(`${env.issuer}/account`)).url).toContain('/interaction/');
    expect(await env.server.container.db('events').where({ type: 'session.revoked', account_id: lee.id })).toHaveLength(1);

    // An ended session and a malformed id are refused plainly (another account's live session and
    // grant: guards/owner-checks.test.ts).
    const csrf = UserAgent.field(ended, 'csrf');
    const unknown = await laptop.request(`${env.issuer}/account/sessions/${phoneSession.uid}/revoke`, { form: { csrf } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('This session has already ended.');
    const malformed = await laptop.request(`${env.issuer}/account/sessions/${encodeURIComponent('x y')}/revoke`, { form: { csrf } });
    expect(malformed.status).toBe(400);
  });

  it('shows the person their own recent sign-in activity, without internal reasons, and nobody else\'s', async () => {
    const ada = await account('ada@example.com');
    const eve = await account('eve@example.com');
    const attacker = browser('Mozilla/5.0 (X11; Linux x86_64) Firefox/141.0');
    const refused = await submit(attacker, await attacker.request(`${env.issuer}/account`), '/login', { email: 'ada@example.com', password: 'not it at all' });
    expect(refused.status).toBe(401);
    await signInToAccount(browser('EveBrowser/1.0 (someone else)'), env.issuer, { email: 'eve@example.com', password: PASSWORD });
    const { audit } = env.server.container;
    // A user agent no browser sends (HTTP forbids the line break): what a forged request could leave in the log.
    await audit.record({ type: 'login.failed', outcome: 'failure', accountId: ada.id, origin: { ip: '203.0.113.9', userAgent: 'Evil <script>alert(1)</script>\n<b>bold</b>' }, detail: { reason: 'locked' } });
    await audit.record({ type: 'account.unlocked', actor: { type: 'system', id: 'cli' }, accountId: ada.id, origin: { ip: '198.51.100.7', userAgent: 'operator-console/1' } });
    await audit.record({ type: 'token.issued', accountId: ada.id, origin: { ip: '192.0.2.44' } });
    await audit.record({ type: 'login.failed', outcome: 'failure', accountId: eve.id, origin: { ip: '192.0.2.66' }, detail: { reason: 'wrong_password' } });

    const page = await signInToAccount(browser('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Chrome/130.0 Safari/537.36'), env.issuer, { email: 'ada@example.com', password: PASSWORD });
    const section = sectionOf(page, 'activity-title');
    const entries = [...section.matchAll(/<strong>([^<]*)<\/strong>/g)].map((match) => match[1]);
    expect(entries).toEqual(['Signed in', 'Sign-in unlocked by an administrator', 'Failed sign-in attempt', 'Failed sign-in attempt']);
    expect(section).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time> · IP 127\.0\.0\.1 · Chrome on macOS · Acme ID account/);
    expect(section).toContain('Firefox on Linux');
    expect(section).toContain('IP 203.0.113.9');
    expect(section.match(/class="tag">failed</g)).toHaveLength(2);
    // Markup in a user agent is text on the page, and a line break shows as \u000a.
    expect(section).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt;\\u000a&lt;b&gt;bold&lt;/b&gt;');
    expect(page.body).not.toContain('<script>alert(1)');
    // No internal reasons, no operator's address, no other kinds of events, nothing of another person.
    for (const hidden of ['wrong_password', 'locked<', 'reason', '198.51.100.7', 'operator-console', '192.0.2.44', '192.0.2.66', 'EveBrowser']) expect(section).not.toContain(hidden);
  });

  it('lists the applications with access and removes one, with its tokens', async () => {
    const kim = await account('kim@example.com');
    const { start, callback, agent } = await signIn(web, { email: 'kim@example.com', password: PASSWORD });
    const tokens = await exchangeCode(web, start, callback.url);
    const page = await signInToAccount(agent, env.issuer, { email: 'kim@example.com', password: PASSWORD });
    expect(page.body).toContain('Test web app');
    expect(page.body).not.toContain('Acme ID account</strong>');
    const grantId = /\/account\/applications\/([^/]+)\/revoke/.exec(page.body)![1];
    const removed = await submit(agent, page, `/account/applications/${grantId}/revoke`);
    expect(removed.url).toBe(`${env.issuer}/account?done=app-revoked`);
    expect(removed.body).toContain('No application has access');
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const [event] = await env.server.container.db('events').where({ type: 'grant.revoked', client_id: web.clientId, account_id: kim.id });
    expect(event.detail).toMatchObject({ grantId, via: 'account' });
    // The revoked grant's id is not found a second time (another account's live grant: guards/owner-checks.test.ts).
    const again = await submit(agent, removed, '/account/name', { name: 'Kim' });
    const foreign = await agent.request(`${env.issuer}/account/applications/${grantId}/revoke`, { form: { csrf: UserAgent.field(again, 'csrf') } });
    expect(foreign.status).toBe(404);
  });

  it('changes the email after a recent sign-in, confirmed at the new address, with a notice to the old', async () => {
    await account('old@example.com');
    const agent = new UserAgent();
    await signInToAccount(agent, env.issuer, { email: 'old@example.com', password: PASSWORD });

    // Ten minutes later the session still opens the account page, but not the email change.
    clock.advance(601);
    expect((await agent.request(`${env.issuer}/account`)).url).toBe(`${env.issuer}/account`);
    const again = await agent.request(`${env.issuer}/account/email`);
    expect(again.url).toContain('/interaction/');
    const form = await submit(agent, again, '/login', { email: 'old@example.com', password: PASSWORD });
    expect(form.url).toBe(`${env.issuer}/account/email`);

    const same = await submit(agent, form, '/account/email', { email: 'OLD@example.com' });
    expect(same.status).toBe(400);
    const requested = await submit(agent, form, '/account/email', { email: 'new@example.com' });
    expect(requested.url).toBe(`${env.issuer}/account?done=email-sent`);
    const notice = await env.smtp.nextMail('old@example.com');
    expect(notice.subject).toBe('A change of your Acme ID email address was requested');
    expect(notice.text).toContain('new@example.com');
    const { link } = await mailLink(env.smtp, 'new@example.com', `${env.issuer}/account/email/confirm?token=`);
    expect((await env.server.container.accounts.findByEmail('old@example.com'))).toBeDefined();

    const confirmed = await followLink(new UserAgent(), link);
    expect(confirmed.body).toContain('Your email address was changed');
    const moved = await env.server.container.accounts.findByEmail('new@example.com');
    expect(moved).toMatchObject({ email: 'new@example.com', email_verified: true });
    expect(await env.server.container.accounts.findByEmail('old@example.com')).toBeUndefined();
    expect((await env.smtp.nextMail('old@example.com')).subject).toBe('Your Acme ID email address was changed');
    expect((await followLink(new UserAgent(), link)).status).toBe(400);
    const events = await env.server.container.db('events').whereIn('type', ['account.email_change_requested', 'account.email_changed']).where({ account_id: moved!.id });
    expect(events).toHaveLength(2);
  });

  it('answers the same for an address another account uses, and mails that address nothing', async () => {
    await account('first@example.com');
    await account('second@example.com');
    const agent = new UserAgent();
    const page = await signInToAccount(agent, env.issuer, { email: 'first@example.com', password: PASSWORD }, '/account/email');
    const taken = await submit(agent, page, '/account/email', { email: 'second@example.com' });
    expect(taken.url).toBe(`${env.issuer}/account?done=email-sent`);
    await env.flushMail();
    expect(env.smtp.pending('second@example.com')).toHaveLength(0);
    expect(env.smtp.pending('first@example.com')).toHaveLength(1);
  });

  it('sends a POST without a session to sign in, never a 500', async () => {
    const agent = new UserAgent();
    const forgot = await agent.request(`${env.issuer}/account/forgot`);
    const response = await fetch(`${env.issuer}/account/name`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: await agent.jar.getCookieString(env.issuer) },
      body: new URLSearchParams({ csrf: UserAgent.field(forgot, 'csrf'), name: 'Nobody' }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('/auth?');
  });
});
