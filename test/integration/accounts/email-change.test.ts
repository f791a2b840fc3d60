import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand } from '../../../src/cli/run.js';
import { createTestClock, followLink, mailLink, signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'the quiet river runs deep';
const NEW_PASSWORD = 'a completely different phrase';

/**
 * A pending email change (issue 15, item 3) ends with everything that says "the session that asked
 * for it may not be the owner's": a password change or reset, signing sessions out, disabling the
 * account, and the cancel link in the notice to the current address. Real SMTP receiver throughout.
 */
describe('a pending email change', () => {
  const clock = createTestClock();
  let env: AccountTestServer;
  let admin: ApiClient;
  let counter = 0;

  beforeAll(async () => {
    env = await startAccountServer({ clock });
    admin = await bootstrapAdmin(env.server);
  });
  afterAll(() => env.close());

  /** An account whose (recently signed-in) session asked to move to another address; the two mailed links. */
  async function pendingChange() {
    counter += 1;
    const email = `owner${counter}@example.com`;
    const next = `taker${counter}@example.com`;
    const account = await env.server.container.accounts.createAccount({ email, password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    const form = await signInToAccount(agent, env.issuer, { email, password: PASSWORD }, '/account/email');
    const requested = await submit(agent, form, '/account/email', { email: next });
    expect(requested.url).toBe(`${env.issuer}/account?done=email-sent`);
    const { link: confirm } = await mailLink(env.smtp, next, `${env.issuer}/account/email/confirm?token=`);
    const notice = await env.smtp.nextMail(email);
    const cancel = notice.text.match(/https?:\/\/\S+/g)?.find((link) => link.startsWith(`${env.issuer}/account/email/cancel?token=`)) ?? '';
    return { account, email, next, agent, confirm, cancel, notice };
  }

  const confirmFails = async (confirm: string, next: string) => {
    const page = await followLink(new UserAgent(), confirm);
    expect(page.status).toBe(400);
    expect(await env.server.container.accounts.findByEmail(next)).toBeUndefined();
    return page;
  };

  it('is cancelled from the notice: the GET only shows a page, its CSRF-protected button cancels', async () => {
    const { account, email, next, confirm, cancel, notice } = await pendingChange();
    expect(cancel).not.toBe('');
    expect(notice.text).toContain('cancel the change now');
    expect(notice.html).toContain('Cancel the change');

    // A mail scanner fetching the link cancels nothing.
    const viewer = new UserAgent();
    const page = await viewer.request(cancel);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Keep ${email} as the address`);
    expect((await viewer.request(`${env.issuer}/account/email/cancel`, { form: { csrf: 'forged', token: new URL(cancel).searchParams.get('token')! } })).status).toBe(403);
    expect((await env.server.container.db('account_tokens').where({ account_id: account.id, purpose: 'change_email' }).whereNull('revoked_at')).length).toBe(1);

    const cancelled = await submit(viewer, page, '/account/email/cancel');
    expect(cancelled.url).toBe(`${env.issuer}/account/email/cancelled`);
    expect(cancelled.body).toContain('was cancelled');
    const refused = await confirmFails(confirm, next);
    expect(refused.body).toContain('A newer link was sent');
    expect((await env.server.container.accounts.findById(account.id))!.email).toBe(email);
    const [event] = await env.server.container.db('events').where({ type: 'account.email_change_cancelled', account_id: account.id });
    expect(event.detail).toMatchObject({ via: 'mail', linksRevoked: 1 });
    // Used once; and a made-up token is a plain 400.
    expect((await followLink(new UserAgent(), cancel)).status).toBe(400);
    expect((await new UserAgent().request(`${env.issuer}/account/email/cancel?token=nope`)).status).toBe(400);
  });

  it('ends with a password reset', async () => {
    const { email, next, confirm } = await pendingChange();
    const agent = new UserAgent();
    await submit(agent, await agent.request(`${env.issuer}/account/forgot`), '/account/forgot', { email });
    const { link } = await mailLink(env.smtp, email, `${env.issuer}/account/reset?token=`);
    const done = await followLink(agent, link, { password: NEW_PASSWORD });
    expect(done.status).toBe(200);
    await confirmFails(confirm, next);
  });

  it('ends with a password change on the account page', async () => {
    const { agent, next, confirm } = await pendingChange();
    const form = await agent.request(`${env.issuer}/account/password`);
    const changed = await submit(agent, form, '/account/password', { current: PASSWORD, password: NEW_PASSWORD });
    expect(changed.url).toBe(`${env.issuer}/account?done=password`);
    await confirmFails(confirm, next);
  });

  it('ends when sessions are signed out: one from the account page, or every one through the admin API', async () => {
    const first = await pendingChange();
    const [requester] = await env.server.container.sessionIndex.listSessions(env.server.container.providers.current(), first.account.id);
    const other = new UserAgent();
    const page = await signInToAccount(other, env.issuer, { email: first.email, password: PASSWORD });
    const ended = await submit(other, page, `/account/sessions/${requester.uid}/revoke`);
    expect(ended.url).toBe(`${env.issuer}/account?done=session-revoked`);
    await confirmFails(first.confirm, first.next);

    const second = await pendingChange();
    const everywhere = await admin.call('DELETE', `/admin/api/v1/accounts/${second.account.id}/sessions`);
    expect(everywhere.status).toBe(204);
    await confirmFails(second.confirm, second.next);
  });

  it('ends when the account is disabled (admin API or CLI), and is refused for a disabled account anyway', async () => {
    const viaApi = await pendingChange();
    expect((await admin.call('PATCH', `/admin/api/v1/accounts/${viaApi.account.id}`, { status: 'disabled' })).status).toBe(200);
    await confirmFails(viaApi.confirm, viaApi.next);

    const viaCli = await pendingChange();
    expect((await runCommand(env.server.container, ['user', 'disable', viaCli.email])).exitCode).toBe(0);
    await confirmFails(viaCli.confirm, viaCli.next);

    // Disabled behind the services' back (a direct update): the link is still open, the account is not.
    const direct = await pendingChange();
    await env.server.container.db('accounts').where({ id: direct.account.id }).update({ status: 'disabled' });
    const refused = await followLink(new UserAgent(), direct.confirm);
    expect(refused.status).toBe(403);
    const agent = new UserAgent();
    const shown = await agent.request(direct.confirm);
    expect(shown.status).toBe(403);
    expect(await env.server.container.accounts.findByEmail(direct.next)).toBeUndefined();
  });
});
