import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from 'knex';
import { DELIVERY_REFUSED } from '../../../src/audit/webhook-service.js';
import type { Resolver } from '../../../src/outbound/guard.js';
import { auditOn, type AuditHarness } from '../../support/audit.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { ManualClock } from '../../support/manual-clock.js';
import { TEST_SERVER_SECRET } from '../../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

/** A public address that nothing here ever dials. */
const PUBLIC = '93.184.216.34';

/**
 * Webhooks reach public addresses only (SSRF). `strict` has no allow-list, as a production server;
 * `lenient` allows loopback, as the test servers do, and stands for a row registered before the rule
 * or before the operator narrowed OUTBOUND_ALLOWED_HOSTS: delivery checks the destination again.
 */
describe('webhook destinations', () => {
  let testDatabase: TestDatabase;
  let db: Knex;
  const clock = new ManualClock();
  let receiver: WebhookReceiver;
  const harnesses: AuditHarness[] = [];
  const dns = new Map<string, string[][]>();
  const lookedUp: string[] = [];
  /** Fake DNS: each name answers its queued answers in turn, the last one for good. */
  const resolver: Resolver = async (hostname) => {
    lookedUp.push(hostname);
    const queue = dns.get(hostname);
    if (!queue?.length) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return queue.length > 1 ? queue.shift()! : queue[0];
  };
  const harness = (allowList: string[], options: { requireHttps?: boolean; resolve?: Resolver } = {}) => {
    const made = auditOn(db, clock, [TEST_SERVER_SECRET], { allowList, requireHttps: options.requireHttps ?? false, resolve: options.resolve });
    harnesses.push(made);
    return made;
  };
  let strict: AuditHarness;
  let lenient: AuditHarness;
  const port = () => new URL(receiver.url).port;

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    db = testDatabase.database.db;
    receiver = await startWebhookReceiver(() => 204);
    strict = harness([], { resolve: resolver });
    lenient = harness(['127.0.0.0/8', '::1', 'localhost']);
  });
  afterAll(async () => {
    await receiver.close();
    for (const made of harnesses) await made.audit.close();
    await testDatabase.destroy();
  });

  /** Registers `url` through `by`, records one event, and lets `strict` deliver it. */
  async function deliverThroughStrict(url: string, by: AuditHarness = lenient) {
    const { webhook } = await by.webhooks.createWebhook({ url, eventTypes: ['logout'] });
    await strict.audit.record({ type: 'logout' });
    const outcomes = await strict.webhooks.deliverDue();
    const rows = await db('webhook_deliveries').where({ webhook_id: webhook.id });
    await db('webhooks').where({ id: webhook.id }).del();
    return { outcomes, rows };
  }

  it('refuses at registration loopback, private, CGNAT, link-local, unique-local, unspecified and IPv4-mapped destinations, naming the url field', async () => {
    dns.set('localhost', [['127.0.0.1', '::1']]);
    dns.set('mixed.example.org', [[PUBLIC, '10.0.0.7']]);
    const urls = [
      'http://127.0.0.1:1/',
      'http://2130706433/', // 127.0.0.1 in decimal: the URL parser normalizes it
      'http://[::1]/',
      'http://10.0.0.5/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/', // ::ffff:169.254.169.254
      'http://localhost:1/',
      'http://mixed.example.org/', // one private answer among public ones refuses the name
    ];
    for (const url of urls) {
      await expect(strict.webhooks.createWebhook({ url, eventTypes: ['*'] })).rejects.toMatchObject({
        status: 400,
        code: 'INVALID_WEBHOOK',
        details: { field: 'url' },
        message: expect.stringContaining('OUTBOUND_ALLOWED_HOSTS'),
      });
    }
    expect(await db('webhooks')).toEqual([]);
  });

  it('accepts a public destination, and one the allow-list names by address, range or host name', async () => {
    dns.set('hooks.example.org', [[PUBLIC]]);
    const { webhook } = await strict.webhooks.createWebhook({ url: 'https://hooks.example.org/in', eventTypes: ['*'] });
    expect(webhook.url).toBe('https://hooks.example.org/in');
    // A name that does not resolve yet is accepted; every connection is checked again anyway.
    await strict.webhooks.createWebhook({ url: 'https://not-yet.example.org/in', eventTypes: ['*'] });
    await harness(['10.0.0.0/8']).webhooks.createWebhook({ url: 'http://10.1.2.3/in', eventTypes: ['*'] });
    await harness(['fd00::/8']).webhooks.createWebhook({ url: 'http://[fd00::1]/in', eventTypes: ['*'] });
    await db('webhooks').del();
  });

  it('only https when the issuer is https', async () => {
    dns.set('hooks.example.org', [[PUBLIC]]);
    const httpsOnly = harness([], { requireHttps: true, resolve: resolver });
    await expect(httpsOnly.webhooks.createWebhook({ url: 'http://hooks.example.org/in', eventTypes: ['*'] })).rejects.toMatchObject({
      status: 400,
      details: { field: 'url' },
      message: 'url: must be https, as the issuer is',
    });
  });

  it('refuses at delivery a host name that resolves to loopback (localhost), records a generic reason, and sends nothing', async () => {
    dns.set('localhost', [['127.0.0.1', '::1']]);
    const before = receiver.received.length;
    const { outcomes, rows } = await deliverThroughStrict(`http://localhost:${port()}/hook`);
    expect(outcomes).toEqual([expect.objectContaining({ result: 'retrying', error: DELIVERY_REFUSED })]);
    expect(receiver.received.length).toBe(before);
    expect(rows).toEqual([expect.objectContaining({ status: 'pending', last_error: DELIVERY_REFUSED, last_status: null })]);
  });

  it('refuses at delivery a loopback address literal, also IPv4-mapped, before dialling it', async () => {
    const before = receiver.received.length;
    for (const url of [receiver.url, `http://[::ffff:127.0.0.1]:${port()}/hook`]) {
      expect((await deliverThroughStrict(url)).outcomes).toEqual([expect.objectContaining({ result: 'retrying', error: DELIVERY_REFUSED })]);
    }
    expect(receiver.received.length).toBe(before);
  });

  it('refuses at connect time a name that was public when registered and resolves to loopback when dialled (DNS rebinding)', async () => {
    const before = receiver.received.length;
    dns.set('rebind.example.org', [[PUBLIC], ['127.0.0.1']]);
    lookedUp.length = 0;
    const { outcomes } = await deliverThroughStrict(`http://rebind.example.org:${port()}/hook`, strict);
    // Registration resolved it once (public); the connection's own lookup resolved it again (loopback).
    expect(lookedUp.filter((name) => name === 'rebind.example.org')).toHaveLength(2);
    expect(outcomes).toEqual([expect.objectContaining({ result: 'retrying', error: DELIVERY_REFUSED })]);
    expect(receiver.received.length).toBe(before);
  });

  it('delivers to a private destination the allow-list names by host name, at the address that name resolves to', async () => {
    dns.set('receiver.internal', [['127.0.0.1']]);
    const byName = harness(['receiver.internal'], { resolve: resolver });
    const before = receiver.received.length;
    const { webhook } = await byName.webhooks.createWebhook({ url: `http://receiver.internal:${port()}/hook`, eventTypes: ['logout'] });
    await byName.audit.record({ type: 'logout' });
    expect((await byName.webhooks.deliverDue()).map((outcome) => outcome.result)).toEqual(['delivered']);
    expect(receiver.received.length).toBe(before + 1);
    expect(receiver.received.at(-1)!.headers.host).toBe(`receiver.internal:${port()}`);
    await db('webhooks').where({ id: webhook.id }).del();
  });
});
