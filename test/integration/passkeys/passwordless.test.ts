import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { alertOf, comparable, mailLink, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode } from '../../support/mfa.js';
import { REDIRECT_URI, registerClient, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'a long enough password for tests';
const RECENT = 600;

/**
 * Passwordless accounts (issue 17, item 4): the password goes once a passkey and recovery codes exist;
 * then the password form refuses exactly as for a wrong password, and no way in can be removed last.
 */
describe('passwordless accounts', () => {
  const clock = new ManualClock(Date.now());
  let env: AccountTestServer;
  let app: RegisteredClient;
  let counter = 0;

  beforeAll(async () => {
    env = await startAccountServer({ clock, env: { RECENT_LOGIN_SECONDS: String(RECENT) } });
    app = await registerClient(env.issuer, env.server.container, { firstParty: true });
  });
  afterAll(() => env.close());

  const db = () => env.server.container.db;
  const events = async (type: string, accountId: string) =>
    env.server.container.vault.reveal(await db()('events').where({ type, account_id: accountId }).orderBy('id'));

  /** An account with a password; optionally TOTP (with recovery codes) and a stored passkey. */
  async function person(options: { totp?: boolean; passkey?: boolean }) {
    counter += 1;
    const email = `nopw${counter}@example.com`;
    const account = await env.server.container.accounts.createAccount({ email, password: PASSWORD, emailVerified: true });
    let secret: string | undefined;
    if (options.totp) {
      const enrollment = await env.server.container.mfa.beginTotpEnrollment(account.id, email);
      secret = enrollment.secret;
      await env.server.container.mfa.confirmTotpEnrollment(account.id, await currentCode(secret, clock));
    }
    if (options.passkey) {
      await db()('passkeys').insert({
        id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`, account_id: account.id, credential_id: `bm9wdy${counter}`, public_key: 'AA', sign_count: 0,
        transports: 'internal', aaguid: null, device_type: 'singleDevice', backed_up: false, name: 'Key',
      });
    }
    return { id: account.id, email, secret };
  }

  /** Signed in to the account pages with the password (and the code, when the account has TOTP). */
  async function accountSession(who: { email: string; secret?: string }) {
    const agent = new UserAgent();
    let page = await signInToAccount(agent, env.issuer, { email: who.email, password: PASSWORD }, '/account/password');
    if (page.body.includes('name="code"')) {
      clock.advance(30);
      // The code form posts to the page's own address (the passkey form, first on the page, to /mfa/passkey).
      page = await agent.request(page.url, { form: { csrf: UserAgent.field(page, 'csrf'), code: await currentCode(who.secret!, clock) } });
    }
    expect([page.url, alertOf(page)]).toEqual([`${env.issuer}/account/password`, undefined]);
    return { agent, page };
  }

  it('refuses to remove the password without a passkey, or without recovery codes', async () => {
    for (const usedUpCodes of [false, true]) {
      // Without a passkey; then with one but every recovery code gone.
      const who = await person({ totp: true, passkey: usedUpCodes });
      if (usedUpCodes) await db()('mfa_recovery_codes').where({ account_id: who.id }).delete();
      const { agent, page } = await accountSession(who);
      expect(page.body).not.toContain('/account/password/remove');
      const refused = await agent.request(`${env.issuer}/account/password/remove`, { form: { csrf: UserAgent.field(page, 'csrf'), current: PASSWORD } });
      expect(refused.status).toBe(409);
      expect(alertOf(refused)).toContain('Add a passkey and set up recovery codes');
      expect((await env.server.container.accounts.findById(who.id))!.password_hash).toEqual(expect.any(String));
    }
  });

  it('refuses a wrong password, then removes it with the right one: recorded, and the password form then answers as for a wrong password', async () => {
    const who = await person({ totp: true, passkey: true });
    const { agent, page } = await accountSession(who);
    const wrong = await submit(agent, page, '/account/password/remove', { current: 'not the password at all' });
    expect(wrong.status).toBe(400);
    const removed = await submit(agent, page, '/account/password/remove', { current: PASSWORD });
    expect(removed.url).toContain('done=password-removed');
    expect((await env.server.container.accounts.findById(who.id))!.password_hash).toBeNull();
    expect(await events('account.password_removed', who.id)).toHaveLength(1);

    // The old password, and any other, get the answer of a wrong password; so does an unknown address.
    const attempt = async (email: string, password: string) => {
      const stranger = new UserAgent(REDIRECT_URI);
      const start = await startAuthorization(app);
      return submitLogin(stranger, await stranger.request(start.url.href), email, password);
    };
    const old = await attempt(who.email, PASSWORD);
    const unknown = await attempt('nobody-here@example.com', PASSWORD);
    expect(old.status).toBe(401);
    expect(unknown.status).toBe(401);
    // What differs between two renders: the CSRF token, the interaction id, the passkey challenge, the address typed.
    const shown = (page: typeof old, email: string) =>
      comparable(page).replace(email, 'X').replace(/data-options="[^"]*"/, '').replace(/return_to=[^"]*/, '');
    expect(shown(old, who.email)).toBe(shown(unknown, 'nobody-here@example.com'));
  });

  it('never removes the last way in: the only passkey of a passwordless account stays (409)', async () => {
    const who = await person({ totp: true, passkey: true });
    const { agent, page } = await accountSession(who);
    await submit(agent, page, '/account/password/remove', { current: PASSWORD });
    const passkeys = await agent.request(`${env.issuer}/account/passkeys`);
    // No password to type: the recent sign-in stands for it.
    expect(passkeys.body).not.toContain('id="password-add"');
    const [row] = await db()('passkeys').where({ account_id: who.id });
    const refused = await agent.request(`${env.issuer}/account/passkeys/${row.id}/remove`, { form: { csrf: UserAgent.field(passkeys, 'csrf') } });
    expect(refused.status).toBe(409);
    expect(alertOf(refused)).toContain('only way to sign in');
    expect(await db()('passkeys').where({ account_id: who.id })).toHaveLength(1);
  });

  it('asks a passwordless account with an old session to sign in again before a passkey or security change', async () => {
    const who = await person({ totp: true, passkey: true });
    const { agent, page } = await accountSession(who);
    await submit(agent, page, '/account/password/remove', { current: PASSWORD });
    const passkeys = await agent.request(`${env.issuer}/account/passkeys`);
    const security = await agent.request(`${env.issuer}/account/security`);
    clock.advance(RECENT + 1);
    const added = await agent.request(`${env.issuer}/account/passkeys/start`, { form: { csrf: UserAgent.field(passkeys, 'csrf'), name: 'Late' } });
    expect(added.url).toContain('/interaction/');
    expect(added.body).not.toContain('id="passkey-register"');
    const codes = await agent.request(`${env.issuer}/account/security/recovery-codes`, { form: { csrf: UserAgent.field(security, 'csrf'), password: '' } });
    expect(codes.url).toContain('/interaction/');
    expect(await events('mfa.recovery_codes_regenerated', who.id)).toHaveLength(0);
  });

  it('sets a password again from the account page after a recent sign-in only; an old session signs in again first', async () => {
    const who = await person({ totp: true, passkey: true });
    const { agent, page } = await accountSession(who);
    await submit(agent, page, '/account/password/remove', { current: PASSWORD });
    await env.flushMail();
    const notice = await env.smtp.nextMail(who.email);
    expect(notice.text).toContain('was just removed on your account page: it now signs in with a passkey only');
    const form = await agent.request(`${env.issuer}/account/password`);
    expect(form.body).toContain('Set a password');
    expect(form.body).not.toContain('name="current"');

    clock.advance(RECENT + 1);
    const stale = await agent.request(`${env.issuer}/account/password`);
    expect(stale.url).toContain('/interaction/');
    const refused = await agent.request(`${env.issuer}/account/password`, { form: { csrf: UserAgent.field(form, 'csrf'), password: 'a brand new long password' } });
    expect(refused.url).toContain('/interaction/');
    expect((await env.server.container.accounts.findById(who.id))!.password_hash).toBeNull();

    // The reset link still sets one without a session (setting it within a recent sign-in: the next test).
    await accountSessionAfterReset(who);
  });

  it('sets a password within the recent sign-in, and the password signs in again', async () => {
    const who = await person({ totp: true, passkey: true });
    const { agent, page } = await accountSession(who);
    await submit(agent, page, '/account/password/remove', { current: PASSWORD });
    const form = await agent.request(`${env.issuer}/account/password`);
    const weak = await submit(agent, form, '/account/password', { password: 'short' });
    expect(weak.status).toBe(400);
    const set = await submit(agent, form, '/account/password', { password: 'a brand new long password' });
    expect(set.url).toContain('done=password-set');
    expect(await events('account.password_changed', who.id)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ passwordless: true }) })]);
    const stranger = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(app);
    const next = await submitLogin(stranger, await stranger.request(start.url.href), who.email, 'a brand new long password');
    expect(next.url).toMatch(/\/mfa$/);
  });

  /** The reset link sets a password on a passwordless account, as on any other. */
  async function accountSessionAfterReset(who: { id: string; email: string }) {
    const agent = new UserAgent();
    const forgot = await agent.request(`${env.issuer}/account/forgot`);
    await submit(agent, forgot, '/account/forgot', { email: who.email });
    await env.flushMail();
    const { link } = await mailLink(env.smtp, who.email, `${env.issuer}/account/reset?token=`);
    const resetPage = await agent.request(link);
    const done = await submit(agent, resetPage, '/account/reset', { password: 'a brand new long password' });
    expect(done.status).toBeLessThan(400);
    expect((await env.server.container.accounts.findById(who.id))!.password_hash).toEqual(expect.any(String));
    return done;
  }
});
