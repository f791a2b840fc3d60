import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { signInToAccount } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';
import { EXPIRED } from '../../../src/privacy/network-fields.js';

const PASSWORD = 'a long passphrase for retention';
const DAY = 86_400;
const BROWSER = 'RetentionTestBrowser/1.0 (network field)';

/** A browser with a recognisable User-Agent, to find it (or not) in the stored rows. */
class NamedBrowser extends UserAgent {
  override request(url: string, init: Parameters<UserAgent['request']>[1] = {}) {
    return super.request(url, { ...init, headers: { ...init?.headers, 'user-agent': BROWSER } });
  }
}

/**
 * Issue 19, retention: events' addresses and user agents after EVENT_NETWORK_RETENTION_DAYS (their day's
 * key destroyed, the chain intact), mail after MAIL_RETENTION_DAYS, and inactive accounts warned after
 * ACCOUNT_INACTIVE_DAYS and deleted ACCOUNT_INACTIVE_WARNING_DAYS later unless they sign in.
 */
describe('retention of personal data', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;

  beforeAll(async () => {
    // No SMTP_URL: mail goes to files in the data folder's outbox, which retention also empties.
    server = await startTestServer({ clock, env: { EVENT_NETWORK_RETENTION_DAYS: '30', MAIL_RETENTION_DAYS: '7', ACCOUNT_INACTIVE_DAYS: '365', ACCOUNT_INACTIVE_WARNING_DAYS: '30' } });
  });
  afterAll(() => server.close());

  const container = () => server.container;
  const eventsOf = async (filter: Record<string, unknown>) => (await container().events.list(filter as never, { limit: 200, order: 'asc' })).items;

  it("addresses and user agents read until the retention, then as expired; rows, hashes and the chain stay", async () => {
    const account = await container().accounts.createAccount({ email: 'network@example.com', password: PASSWORD, emailVerified: true });
    await signInToAccount(new NamedBrowser(), server.issuer, { email: account.email, password: PASSWORD });
    // A failed sign-in with an unknown address: an event about no account, which also carries them.
    await signInToAccount(new NamedBrowser(), server.issuer, { email: 'nobody.here@example.com', password: 'wrong wrong wrong' });
    const raw = JSON.stringify(await container().db('events').select('*'));
    expect(raw).not.toContain(BROWSER);
    const [success] = (await eventsOf({ accountId: account.id })).filter((event) => event.type === 'login.succeeded');
    expect(success).toMatchObject({ ip: '127.0.0.1', user_agent: BROWSER });
    const failed = (await eventsOf({ types: ['login.failed'] })).filter((event) => event.user_agent === BROWSER);
    expect(failed.length).toBeGreaterThan(0);
    // The events API's ip filter still finds them (it matches wrapped addresses after decryption).
    expect((await eventsOf({ ip: '127.0.0.1', types: ['login.failed'] })).length).toBe(failed.length);
    const hashesBefore = (await container().db('events').select('id', 'hash').orderBy('id')).map((row) => `${row.id}:${row.hash}`);

    clock.advance(29 * DAY);
    expect((await container().retention.run()).networkDaysExpired).toEqual([]);
    expect((await eventsOf({ accountId: account.id })).find((event) => event.type === 'login.succeeded')).toMatchObject({ user_agent: BROWSER });

    clock.advance(2 * DAY);
    const report = await container().retention.run();
    expect(report.networkDaysExpired).toHaveLength(1);
    const after = (await eventsOf({ accountId: account.id })).find((event) => event.id === success.id);
    expect(after).toMatchObject({ type: 'login.succeeded', account_id: account.id, ip: EXPIRED, user_agent: EXPIRED });
    expect((await eventsOf({ types: ['login.failed'] })).filter((event) => event.user_agent === BROWSER)).toEqual([]);
    // Nothing was rewritten: the same rows with the same hashes, and the chain verifies.
    const hashesAfter = (await container().db('events').select('id', 'hash').whereIn('id', hashesBefore.map((line) => line.split(':')[0])).orderBy('id')).map((row) => `${row.id}:${row.hash}`);
    expect(hashesAfter).toEqual(hashesBefore);
    expect((await container().events.verify()).ok).toBe(true);
    const [applied] = await eventsOf({ types: ['privacy.retention_applied'] });
    expect(applied).toMatchObject({ actor_type: 'system', actor_id: 'retention', detail: { what: 'event_network_fields', days: report.networkDaysExpired, retentionDays: 30 } });
    // A sign-in today is readable again, under today's new key.
    await signInToAccount(new NamedBrowser(), server.issuer, { email: account.email, password: PASSWORD });
    expect((await eventsOf({ accountId: account.id })).filter((event) => event.type === 'login.succeeded').at(-1)).toMatchObject({ user_agent: BROWSER });
  });

  it('sent mail (queue row and outbox file) is removed after MAIL_RETENTION_DAYS, with an event', async () => {
    await container().mailer.send('mail.kept@example.com', 'account-deletion-cancelled', { accountUrl: `${server.issuer}/account` });
    await container().mailWorker.drain();
    const outbox = container().config.mail.outboxDir;
    const files = () => (existsSync(outbox) ? readdirSync(outbox).filter((name) => name.endsWith('.eml')) : []);
    expect(files().length).toBeGreaterThan(0);
    // The file transport stamps files with the real time; this test's clock is weeks ahead by now.
    for (const name of files()) utimesSync(join(outbox, name), clock.now(), clock.now());
    expect(await container().db('mail_outbox').where({ recipient: 'mail.kept@example.com' })).toHaveLength(1);
    clock.advance(6 * DAY);
    expect((await container().retention.run()).mailsPurged).toBe(0);
    expect(await container().db('mail_outbox').where({ recipient: 'mail.kept@example.com' })).toHaveLength(1);
    clock.advance(2 * DAY);
    const report = await container().retention.run();
    expect(report.mailsPurged).toBeGreaterThanOrEqual(1);
    expect(report.outboxFilesPurged).toBeGreaterThanOrEqual(1);
    expect(await container().db('mail_outbox').where({ recipient: 'mail.kept@example.com' })).toHaveLength(0);
    expect(files()).toEqual([]);
    expect((await eventsOf({ types: ['privacy.retention_applied'] })).some((event) => event.detail.what === 'mail')).toBe(true);
  });

  it('an inactive account is warned, then deleted after the further period; a sign-in in between keeps it', async () => {
    const idle = await container().accounts.createAccount({ email: 'idle@example.com', password: PASSWORD, emailVerified: true });
    const returning = await container().accounts.createAccount({ email: 'returning@example.com', password: PASSWORD, emailVerified: true });
    const active = await container().accounts.createAccount({ email: 'active@example.com', password: PASSWORD, emailVerified: true });
    clock.advance(360 * DAY);
    await signInToAccount(new UserAgent(), server.issuer, { email: active.email, password: PASSWORD });
    clock.advance(6 * DAY);
    await container().retention.run();
    const warnings = await container().db('account_inactivity_warnings').select('account_id');
    const warned = warnings.map((row) => row.account_id);
    expect(warned).toEqual(expect.arrayContaining([idle.id, returning.id]));
    expect(warned).not.toContain(active.id);
    expect((await eventsOf({ accountId: idle.id })).find((event) => event.type === 'account.inactivity_warned')).toMatchObject({ actor_id: 'retention', detail: { inactiveDays: 365 } });
    expect(await container().db('mail_outbox').where({ template: 'account-inactive-warning' }).whereIn('recipient', [idle.email, returning.email])).toHaveLength(2);
    // A second run does not warn twice.
    await container().retention.run();
    expect((await eventsOf({ accountId: idle.id })).filter((event) => event.type === 'account.inactivity_warned')).toHaveLength(1);

    clock.advance(10 * DAY);
    await signInToAccount(new UserAgent(), server.issuer, { email: returning.email, password: PASSWORD });
    expect(await container().db('account_inactivity_warnings').where({ account_id: returning.id })).toHaveLength(0);
    clock.advance(19 * DAY);
    expect((await container().retention.run()).accountsErased).toBe(0);
    clock.advance(2 * DAY);
    const report = await container().retention.run();
    expect(report.accountsErased).toBeGreaterThanOrEqual(1);
    expect(await container().accounts.findById(idle.id)).toBeUndefined();
    expect(await container().accounts.findById(returning.id)).toBeDefined();
    expect(await container().accounts.findById(active.id)).toBeDefined();
    expect((await eventsOf({ accountId: idle.id })).find((event) => event.type === 'account.deleted')).toMatchObject({ actor_type: 'system', actor_id: 'retention', detail: { reason: 'inactive' } });
    expect((await container().events.verify()).ok).toBe(true);
  });
});
