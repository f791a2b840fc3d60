import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { alertOf, comparable, createTestClock, followLink, mailLink, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { exchangeCode, registerClient, signIn, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const OLD = 'an old password that was fine';
const NEW = 'a brand new password for today';

describe('password reset', () => {
  const clock = createTestClock();
  let env: AccountTestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    env = await startAccountServer({ clock, env: { LOGIN_LOCKOUT_AFTER_FAILURES: '3', LOGIN_FAILURES_BEFORE_DELAY: '20' } });
    web = await registerClient(env.issuer, env.server.container);
  });
  afterAll(() => env.close());

  const createAccount = (email: string) => env.server.container.accounts.createAccount({ email, name: 'Robin', password: OLD, emailVerified: false });
  const forgot = async (email: string, agent = new UserAgent()) => submit(agent, await agent.request(`${env.issuer}/account/forgot`), '/account/forgot', { email });
  const resetLink = async (email: string) => (await mailLink(env.smtp, email, `${env.issuer}/account/reset?token=`)).link;
  const passwordWorks = async (email: string, password: string) => (await env.server.container.accounts.authenticate(email, password)).ok;

  it('answers a known and an unknown address alike; only a known one gets a link', async () => {
    await createAccount('known@example.com');
    const known = await forgot('known@example.com');
    const unknown = await forgot('nobody@example.com');
    expect(known.status).toBe(200);
    expect(unknown.url).toBe(known.url);
    expect(comparable(unknown)).toBe(comparable(known));
    await env.flushMail();
    expect(env.smtp.pending('known@example.com')).toHaveLength(1);
    expect(env.smtp.pending('nobody@example.com')).toHaveLength(0);
    expect(await env.server.container.db('mail_outbox').where({ recipient: 'nobody@example.com' })).toHaveLength(0);
    await env.smtp.nextMail('known@example.com');
  });

  it('sets a new password once, verifies the address it proved, and mails a notice', async () => {
    await createAccount('once@example.com');
    await forgot('once@example.com');
    const link = await resetLink('once@example.com');
    const agent = new UserAgent();
    const form = await agent.request(link);
    expect(form.body).toContain('once@example.com');
    const done = await submit(agent, form, '/account/reset', { password: NEW });
    expect(done.url).toBe(`${env.issuer}/account/reset/done`);
    expect(await passwordWorks('once@example.com', NEW)).toBe(true);
    expect(await passwordWorks('once@example.com', OLD)).toBe(false);
    expect((await env.server.container.accounts.findByEmail('once@example.com'))!.email_verified).toBe(true);

    const notice = await env.smtp.nextMail('once@example.com');
    expect(notice.subject).toBe('Your Acme ID password was changed');

    const again = await followLink(new UserAgent(), link, { password: 'yet another password entirely' });
    expect(again.status).toBe(400);
    expect(again.body).toContain('This link has already been used');
    expect(await passwordWorks('once@example.com', NEW)).toBe(true);
  });

  it('expires after PASSWORD_RESET_TTL (30 minutes)', async () => {
    await createAccount('late@example.com');
    await forgot('late@example.com');
    const link = await resetLink('late@example.com');
    clock.advance(29 * 60);
    const agent = new UserAgent();
    const form = await agent.request(link);
    expect(form.status).toBe(200);
    clock.advance(60);
    const expired = await new UserAgent().request(link);
    expect(expired.status).toBe(400);
    expect(expired.body).toContain('This link has expired');
    // The form fetched before the expiry cannot be posted after it either.
    const late = await submit(agent, form, '/account/reset', { password: NEW });
    expect(late.status).toBe(400);
    expect(late.body).toContain('This link has expired');
    expect(await passwordWorks('late@example.com', OLD)).toBe(true);
    expect(await passwordWorks('late@example.com', NEW)).toBe(false);
  });

  it('works only for the newest link, and not after a password change', async () => {
    await createAccount('twice@example.com');
    await forgot('twice@example.com');
    const first = await resetLink('twice@example.com');
    await forgot('twice@example.com');
    const second = await resetLink('twice@example.com');
    const replaced = await followLink(new UserAgent(), first, { password: NEW });
    expect(replaced.status).toBe(400);
    expect(replaced.body).toContain('A newer link was sent');

    // A change on the account page revokes the open link too.
    const agent = new UserAgent();
    await signInToAccount(agent, env.issuer, { email: 'twice@example.com', password: OLD });
    const changed = await submit(agent, await agent.request(`${env.issuer}/account/password`), '/account/password', { current: OLD, password: NEW });
    expect(changed.url).toBe(`${env.issuer}/account?done=password`);
    const stale = await followLink(new UserAgent(), second, { password: 'someone else wants in here' });
    expect(stale.status).toBe(400);
    expect(await passwordWorks('twice@example.com', NEW)).toBe(true);
  });

  it('keeps the link usable when the new password is refused, and says why', async () => {
    await createAccount('weak@example.com');
    await forgot('weak@example.com');
    const link = await resetLink('weak@example.com');
    const refused = await followLink(new UserAgent(), link, { password: 'short' });
    expect(refused.status).toBe(400);
    expect(alertOf(refused)).toBe('Use at least 15 characters. A few ordinary words with spaces make a good password.');
    const done = await followLink(new UserAgent(), link, { password: NEW });
    expect(done.url).toBe(`${env.issuer}/account/reset/done`);
  });

  it('ends other sessions and refresh tokens, clears a lockout, and signs nobody in', async () => {
    await createAccount('victim@example.com');
    // A session on the account pages, and an app holding a refresh token.
    const other = new UserAgent();
    expect((await signInToAccount(other, env.issuer, { email: 'victim@example.com', password: OLD })).url).toBe(`${env.issuer}/account`);
    const { start, callback } = await signIn(web, { email: 'victim@example.com', password: OLD });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.refresh_token).toBeTruthy();
    // Then the account is locked by failed sign-ins.
    for (let i = 0; i < 3; i += 1) {
      const agent = new UserAgent();
      await submitLogin(agent, await agent.request((await startAuthorization(web)).url.href), 'victim@example.com', 'a wrong guess');
    }
    expect((await env.server.container.accounts.findByEmail('victim@example.com'))!.locked_at).not.toBeNull();

    const resetter = new UserAgent();
    await forgot('victim@example.com', resetter);
    const done = await followLink(resetter, await resetLink('victim@example.com'), { password: NEW });
    expect(done.url).toBe(`${env.issuer}/account/reset/done`);

    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const ended = await other.request(`${env.issuer}/account`);
    expect(ended.url).toContain('/interaction/');
    // The reset signed nobody in: the next visit asks for the password (and any second factor).
    const after = await resetter.request(`${env.issuer}/account`);
    expect(after.url).toContain('/interaction/');
    expect(after.body).toContain('name="password"');
    const signedIn = await submit(resetter, after, '/login', { email: 'victim@example.com', password: NEW });
    expect(signedIn.url).toBe(`${env.issuer}/account`);

    const account = await env.server.container.accounts.findByEmail('victim@example.com');
    expect(account!.locked_at).toBeNull();
    const [event] = await env.server.container.db('events').where({ type: 'account.password_reset', account_id: account!.id, outcome: 'success' });
    expect(event.detail).toMatchObject({ sessionsEnded: 2, unlocked: true });
    expect(event.detail.grantsAffected).toBeGreaterThanOrEqual(1);
  });

  it('turns away malformed links with a clear 400', async () => {
    for (const query of ['', '?token=', `?token=${'x'.repeat(500)}`, '?token=not-a-real-token']) {
      const page = await new UserAgent().request(`${env.issuer}/account/reset${query}`);
      expect([query, page.status]).toEqual([query, 400]);
    }
    const agent = new UserAgent();
    const form = await agent.request(`${env.issuer}/account/forgot`);
    const csrf = UserAgent.field(form, 'csrf');
    const post = await agent.request(`${env.issuer}/account/reset`, { form: { csrf, token: 'not-a-real-token', password: NEW } });
    expect(post.status).toBe(400);
    expect(post.body).toContain('This link is not valid');
    const events = await env.server.container.db('events').whereLike('type', 'account.password_reset%');
    const serialized = JSON.stringify(events);
    expect(serialized).not.toContain(NEW);
    expect(serialized).not.toMatch(/token=/);
  });

  // Last in this file: it stops the mail worker, whose polling would mix its statements into the count.
  it('does the same work for an address without an active account: the same statements, counted, not timed', async () => {
    const { container } = env.server;
    await createAccount('counted@example.com');
    await createAccount('switched-off@example.com');
    await container.accounts.setStatusByEmail('switched-off@example.com', 'disabled');
    await container.mailWorker.stop();
    const origin = { ip: '127.0.0.1' };
    /** The SQL statements (without their values) one request runs. */
    const statementsOf = async (email: string) => {
      const seen: string[] = [];
      const listener = (query: { sql: string }) => seen.push(query.sql.replace(/\s+/g, ' '));
      container.db.on('query', listener);
      try {
        await container.recovery.requestReset(email, origin);
      } finally {
        container.db.removeListener('query', listener);
      }
      // The audit data-key read (docs/privacy.md) is cached per process for a minute, so whether it runs
      // depends on what happened in the last minute, not on whether the address has an account; an
      // address without one reads the stand-in key (privacy/vault.ts NO_ACCOUNT) like an account's.
      return seen.filter((sql) => !sql.includes('account_data_keys'));
    };
    const known = await statementsOf('counted@example.com');
    const unknown = await statementsOf('no-account-here@example.com');
    const disabled = await statementsOf('switched-off@example.com');
    expect(known.filter((sql) => /^insert into "?(account_tokens|mail_outbox)/i.test(sql))).toHaveLength(2);
    expect(unknown).toEqual(known);
    expect(disabled).toEqual(known);
    // The same statements, but nothing written for the address without an account.
    expect(await container.db('mail_outbox').where({ recipient: 'no-account-here@example.com' })).toHaveLength(0);
    expect(await container.db('mail_outbox').where({ recipient: 'switched-off@example.com', template: 'password-reset' })).toHaveLength(0);
    expect(await container.db('mail_outbox').where({ recipient: 'counted@example.com', template: 'password-reset' })).toHaveLength(1);
    expect(await container.db('account_tokens').where({ email: 'no-account-here@example.com' })).toHaveLength(0);
  });
});
