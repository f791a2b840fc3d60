import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { alertOf, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode } from '../../support/mfa.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'a long passphrase to delete with';

/**
 * Issue 19, "Delete my account" with ACCOUNT_DELETION_GRACE_DAYS unset (0): the password and, when
 * there is one, the second factor; then the same erasure as the admin API, at once.
 */
describe('deleting one\'s own account from the account page', () => {
  const clock = new ManualClock(Date.now());
  let env: AccountTestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    // A low lockout cap, so the lockout test needs few attempts.
    env = await startAccountServer({ clock, env: { LOGIN_LOCKOUT_AFTER_FAILURES: '3' } });
    web = await registerClient(env.issuer, env.server.container);
  });
  afterAll(() => env.close());

  async function signedIn(email: string) {
    const account = await env.server.container.accounts.createAccount({ email, name: 'Deleting Person', password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    expect((await signInToAccount(agent, env.issuer, { email, password: PASSWORD })).url).toBe(`${env.issuer}/account`);
    return { account, agent };
  }

  async function withTotp(email: string) {
    const person = await signedIn(email);
    const { mfa } = env.server.container;
    const { secret } = await mfa.beginTotpEnrollment(person.account.id, email);
    await mfa.confirmTotpEnrollment(person.account.id, await currentCode(secret, clock));
    const codes = await mfa.regenerateRecoveryCodes(person.account.id);
    clock.advance(30);
    return { ...person, secret, codes };
  }

  const exists = async (id: string) => Boolean(await env.server.container.accounts.findById(id));
  const eventTypes = async (id: string) => (await env.server.container.events.list({ accountId: id }, { limit: 100, order: 'asc' })).items;

  it('states what happens, asks for the password and the code, and refuses a wrong or missing one', async () => {
    const { account, agent, codes } = await withTotp('two-factor.deleter@example.com');
    const page = await agent.request(`${env.issuer}/account/delete`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('What happens');
    expect(page.body).toContain('signed out everywhere');
    expect(page.body).toContain('name="password"');
    expect(page.body).toContain('name="code"');

    const wrongPassword = await submit(agent, page, '/account/delete', { password: 'not the password', code: codes[0] });
    expect(wrongPassword.status).toBe(400);
    expect(alertOf(wrongPassword)).toBe('The password is not correct.');
    const missingCode = await submit(agent, page, '/account/delete', { password: PASSWORD });
    expect(missingCode.status).toBe(400);
    expect(alertOf(missingCode)).toContain('Enter a code');
    const wrongCode = await submit(agent, page, '/account/delete', { password: PASSWORD, code: '000000' });
    expect(wrongCode.status).toBe(400);
    expect(alertOf(wrongCode)).toContain('That code is not valid');
    expect(await exists(account.id)).toBe(true);
    // The recovery code offered with the wrong password was not spent.
    expect((await env.server.container.mfa.status(account.id)).recoveryCodesRemaining).toBe(10);
    expect((await eventTypes(account.id)).filter((event) => event.type === 'mfa.failed')).toHaveLength(1);
  });

  it('a forged form deletes nothing; a visitor without a session is sent to sign in', async () => {
    const { account, agent } = await signedIn('forged.deleter@example.com');
    const forged = await agent.request(`${env.issuer}/account/delete`, { form: { csrf: 'forged', password: PASSWORD } });
    expect(forged.status).toBe(403);
    const missing = await agent.request(`${env.issuer}/account/delete`, { form: { password: PASSWORD } });
    expect(missing.status).toBe(403);
    expect(await exists(account.id)).toBe(true);
    const stranger = await new UserAgent().request(`${env.issuer}/account/delete`);
    expect(stranger.url).toContain('/interaction/');
  });

  it('with the password and a recovery code: erased at once, signed out everywhere, tokens dead, mail and event', async () => {
    const { account, agent, codes } = await withTotp('recovery.deleter@example.com');
    const page = await agent.request(`${env.issuer}/account/delete`);
    const done = await submit(agent, page, '/account/delete', { password: PASSWORD, code: codes[3] });
    expect(done.url).toBe(`${env.issuer}/account/deleted`);
    expect(done.body).toContain('Your account was deleted');
    expect(await exists(account.id)).toBe(false);
    expect((await agent.request(`${env.issuer}/account`)).url).toContain('/interaction/');
    await env.flushMail();
    const mail = await env.smtp.nextMail(account.email);
    expect(mail.subject).toMatch(/account was deleted/);
    expect(mail.text).toContain('as you asked');
    const deleted = (await eventTypes(account.id)).find((event) => event.type === 'account.deleted');
    expect(deleted).toMatchObject({ actor_type: 'account', actor_id: account.id, detail: { reason: 'asked' } });
    expect((await env.server.container.events.verify()).ok).toBe(true);
  });

  it('without a second factor the password is enough, and the refresh token of an application stops working', async () => {
    const email = 'plain.deleter@example.com';
    const { account, agent } = await signedIn(email);
    const { start, callback } = await signIn(web, { email, password: PASSWORD });
    const tokens = await exchangeCode(web, start, callback.url);
    const page = await agent.request(`${env.issuer}/account/delete`);
    expect(page.body).not.toContain('name="code"');
    const done = await submit(agent, page, '/account/delete', { password: PASSWORD });
    expect(done.url).toBe(`${env.issuer}/account/deleted`);
    expect(await exists(account.id)).toBe(false);
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toThrow();
    expect((await oidc.tokenIntrospection(web.config, tokens.access_token)).active).toBe(false);
  });

  it('an account whose second factor is a passkey signs in again with it first: the password alone deletes nothing', async () => {
    const { account, agent } = await signedIn('passkey.deleter@example.com');
    const page = await agent.request(`${env.issuer}/account/delete`);
    expect(page.status).toBe(200);
    // The passkey is added after this session signed in (with the password only), as a person at an
    // unlocked computer would find it: every sign-in from now on asks for the passkey.
    await insertPasskey(env.server.container.db, {
      id: '00000000-0000-4000-8000-0000000000d1', accountId: account.id, credentialId: 'ZGVsZXRlci1jcmVk', name: 'Laptop', userHandle: 'cGFzc2tleS1kZWxldGVy',
    });
    const posted = await submit(agent, page, '/account/delete', { password: PASSWORD });
    expect(posted.url).toContain('/interaction/');
    expect(await exists(account.id)).toBe(true);
    const again = await agent.request(`${env.issuer}/account/delete`);
    expect(again.url).toContain('/interaction/');
    expect(again.body).not.toContain('What happens');
  });

  it('a wrong password here counts toward the sign-in lockout, as on /account/security', async () => {
    const { account, agent } = await signedIn('lockout.deleter@example.com');
    const page = await agent.request(`${env.issuer}/account/delete`);
    const cap = env.server.container.config.rateLimits.loginLockoutAfterFailures;
    let last = page;
    for (let attempt = 0; attempt < cap; attempt += 1) last = await submit(agent, page, '/account/delete', { password: `wrong ${attempt}` });
    expect([400, 429]).toContain(last.status);
    expect((await env.server.container.accounts.findById(account.id))?.locked_at).not.toBeNull();
    expect((await eventTypes(account.id)).map((event) => event.type)).toContain('account.locked');
  });
});
