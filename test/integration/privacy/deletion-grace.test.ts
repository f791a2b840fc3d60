import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'a long passphrase that may change its mind';
const DAY = 86_400;

/**
 * Issue 19: ACCOUNT_DELETION_GRACE_DAYS=3. The deletion is scheduled and the sessions end at once; a
 * sign-in within the window cancels it (event and mail); after the window the background job erases.
 */
describe('a deletion with a grace period', () => {
  const clock = new ManualClock(Date.now());
  let env: AccountTestServer;
  let admin: ApiClient;

  beforeAll(async () => {
    env = await startAccountServer({ clock, env: { ACCOUNT_DELETION_GRACE_DAYS: '3' } });
    admin = await bootstrapAdmin(env.server);
  });
  afterAll(() => env.close());

  const container = () => env.server.container;
  const events = async (id: string) => (await container().events.list({ accountId: id }, { limit: 100, order: 'asc' })).items;

  async function scheduleDeletion(email: string) {
    const account = await container().accounts.createAccount({ email, password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    await signInToAccount(agent, env.issuer, { email, password: PASSWORD });
    const page = await agent.request(`${env.issuer}/account/delete`);
    expect(page.body).toContain('deleted after 3 days');
    const done = await submit(agent, page, '/account/delete', { password: PASSWORD });
    expect(done.url).toBe(`${env.issuer}/account/deletion-scheduled`);
    return { account, agent };
  }

  it('the admin API deletes at once, even with a grace period configured (operators decide)', async () => {
    const account = await container().accounts.createAccount({ email: 'operator.deletes@example.com', password: PASSWORD, emailVerified: true });
    expect((await admin.call('DELETE', `/admin/api/v1/accounts/${account.id}`)).status).toBe(204);
    expect(await container().accounts.findById(account.id)).toBeUndefined();
  });

  it('schedules: sessions end at once, the mail gives the date, the account stays until then', async () => {
    const { account, agent } = await scheduleDeletion('waiting@example.com');
    expect((await agent.request(`${env.issuer}/account`)).url).toContain('/interaction/');
    expect(await container().accounts.findById(account.id)).toBeDefined();
    const request = await container().selfDeletion.pendingDeletion(account.id);
    expect(request!.erase_after.getTime() - request!.requested_at.getTime()).toBe(3 * DAY * 1000);
    await env.flushMail();
    const mail = await env.smtp.nextMail(account.email);
    expect(mail.subject).toContain(`will be deleted on ${request!.erase_after.toISOString().slice(0, 10)}`);
    expect(mail.text).toContain('Sign in before then and the deletion is cancelled');
    expect((await events(account.id)).find((event) => event.type === 'account.deletion_scheduled')?.detail).toMatchObject({ graceDays: 3, eraseAfter: request!.erase_after.toISOString() });
    // The export (admin API) shows the pending deletion.
    const exported = await admin.call('GET', `/admin/api/v1/accounts/${account.id}/export`);
    expect(exported.body.pending_deletion).toMatchObject({ erase_after: request!.erase_after.toISOString() });
    // Nearly three days later the job leaves it alone.
    clock.advance(3 * DAY - 60);
    expect(await container().selfDeletion.eraseDue()).toBe(0);
    expect(await container().accounts.findById(account.id)).toBeDefined();
    clock.advance(120);
    expect(await container().selfDeletion.eraseDue()).toBe(1);
    expect(await container().accounts.findById(account.id)).toBeUndefined();
    const deleted = (await events(account.id)).find((event) => event.type === 'account.deleted');
    expect(deleted).toMatchObject({ actor_type: 'system', actor_id: 'deletion-grace-period', detail: { reason: 'grace_period_ended' } });
    await env.flushMail();
    expect((await env.smtp.nextMail(account.email)).text).toContain('the waiting period you asked for has ended');
    expect((await container().events.verify()).ok).toBe(true);
  });

  it('a sign-in within the window cancels it: event, mail, and the job later erases nothing', async () => {
    const { account } = await scheduleDeletion('changed.mind@example.com');
    await env.flushMail();
    await env.smtp.nextMail(account.email);
    clock.advance(DAY);
    const again = new UserAgent();
    expect((await signInToAccount(again, env.issuer, { email: account.email, password: PASSWORD })).url).toBe(`${env.issuer}/account`);
    expect(await container().selfDeletion.pendingDeletion(account.id)).toBeUndefined();
    const cancelled = (await events(account.id)).filter((event) => event.type === 'account.deletion_cancelled');
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0].detail).toMatchObject({ by: 'sign_in' });
    await env.flushMail();
    expect((await env.smtp.nextMail(account.email)).subject).toContain('deletion of your Acme ID account was cancelled');
    clock.advance(5 * DAY);
    expect(await container().selfDeletion.eraseDue()).toBe(0);
    expect(await container().accounts.findById(account.id)).toBeDefined();
    // A second sign-in has nothing to cancel, and writes no second event.
    await signInToAccount(new UserAgent(), env.issuer, { email: account.email, password: PASSWORD });
    expect((await events(account.id)).filter((event) => event.type === 'account.deletion_cancelled')).toHaveLength(1);
  });

  it('a cancellation that lands just before the job runs wins; the failed erasure rolls back and keeps the data key', async () => {
    const { account } = await scheduleDeletion('race@example.com');
    clock.advance(3 * DAY + 1);
    // The job's erasure checks the request inside its transaction: gone, so it rolls back, key included.
    await expect(container().erasure.eraseAccount(account.id, { type: 'system', id: 'deletion-grace-period' }, { onlyIf: async () => false })).rejects.toMatchObject({ code: 'DELETION_CANCELLED' });
    expect(await container().accounts.findById(account.id)).toBeDefined();
    const [key] = await container().db('account_data_keys').where({ account_id: account.id });
    expect(key.sealed_key).not.toBeNull();
    // Its events still read: the key survived the rolled-back erasure.
    const scheduled = (await events(account.id)).find((event) => event.type === 'account.deletion_scheduled');
    expect(scheduled?.ip).toBe('127.0.0.1');
    await container().selfDeletion.cancelOnSignIn(account, {});
    expect(await container().selfDeletion.eraseDue()).toBe(0);
    expect(await container().accounts.findById(account.id)).toBeDefined();
  });
});
