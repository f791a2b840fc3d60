import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import knexFactory, { type Knex } from 'knex';
import { createServer } from 'node:net';
import { createAuditBackground } from '../../../src/audit/background.js';
import { createWebhookQueries } from '../../../src/audit/webhook-queries.js';
import { DELIVERY_NO_ANSWER, MAX_ATTEMPTS, retryDelayMs } from '../../../src/audit/webhook-service.js';
import { verifyWebhookSignature } from '../../../src/audit/webhook-signature.js';
import { createLogger } from '../../../src/shared/logger.js';
import { auditOn, type AuditHarness } from '../../support/audit.js';
import { ManualClock } from '../../support/manual-clock.js';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../../support/database.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

describe('webhooks', () => {
  let testDatabase: TestDatabase;
  let db: Knex;
  const clock = new ManualClock();
  let harness: AuditHarness;
  const receivers: WebhookReceiver[] = [];

  /** A receiver that accepts a request only if its signature checks out under `secret`. */
  async function verifyingReceiver(secret: () => string, failFirst = 0) {
    const receiver = await startWebhookReceiver(({ headers, body, index }) => {
      if (index < failFirst) return 500;
      const valid = verifyWebhookSignature({ secret: secret(), header: headers['idp-signature'] as string, body, now: clock.now() });
      return valid ? 204 : 401;
    });
    receivers.push(receiver);
    return receiver;
  }

  async function register(url: string, eventTypes: string[]) {
    return harness.webhooks.createWebhook({ url, eventTypes });
  }

  const deliveries = (webhookId: string) => db('webhook_deliveries').where({ webhook_id: webhookId }).orderBy('id');

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    db = testDatabase.database.db;
    harness = auditOn(db, clock);
  });
  afterEach(async () => {
    // Each test starts with no webhooks and nothing due.
    await db('webhooks').del();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await harness.audit.close();
    await testDatabase.destroy();
  });

  it('posts each matching event once, signed with the webhook secret, and nothing else', async () => {
    let secret = '';
    const receiver = await verifyingReceiver(() => secret);
    const created = await register(receiver.url, ['login.*', 'token.revoked']);
    secret = created.secret;
    const other = await register(receiver.url.replace('/hook', '/other'), ['consent.granted']);
    await Promise.all([
      harness.audit.record({ type: 'login.failed', outcome: 'failure', accountId: 'a1', detail: { reason: 'wrong_password' } }),
      harness.audit.record({ type: 'logout', accountId: 'a1' }),
      harness.audit.record({ type: 'token.revoked', clientId: 'c1' }),
    ]);
    const outcomes = await harness.webhooks.deliverDue();
    expect(outcomes.map((o) => o.result)).toEqual(['delivered', 'delivered']);
    expect(receiver.received.map((r) => r.answered)).toEqual([204, 204]);
    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type).sort()).toEqual(['login.failed', 'token.revoked']);
    const stored = await harness.events.find(bodies[0].id);
    expect(bodies[0]).toEqual(stored);
    expect(receiver.received[0].headers).toMatchObject({
      'content-type': 'application/json',
      'idp-webhook-id': created.webhook.id,
      'idp-event-id': bodies[0].id,
      'idp-event-type': bodies[0].type,
      'idp-delivery-id': expect.stringMatching(/^\d+$/),
    });
    expect(await deliveries(created.webhook.id)).toEqual([
      expect.objectContaining({ status: 'delivered', attempts: 1, last_status: 204 }),
      expect.objectContaining({ status: 'delivered', attempts: 1, last_status: 204 }),
    ]);
    expect(await deliveries(other.webhook.id)).toEqual([]);
    expect(await harness.webhooks.deliverDue()).toEqual([]);
  });

  it('a receiver with the wrong secret sees signatures fail', async () => {
    const receiver = await verifyingReceiver(() => 'whsec_not-the-one');
    const { webhook } = await register(receiver.url, ['*']);
    await harness.audit.record({ type: 'keys.rotated', actor: { type: 'system', id: 'cli' } });
    const [outcome] = await harness.webhooks.deliverDue();
    expect(outcome).toMatchObject({ result: 'retrying', status: 401 });
    expect((await deliveries(webhook.id))[0]).toMatchObject({ status: 'pending', last_status: 401, last_error: 'HTTP 401' });
  });

  it('retries with exponential backoff, by the injected clock, until the receiver accepts', async () => {
    let secret = '';
    const receiver = await verifyingReceiver(() => secret, 3);
    const created = await register(receiver.url, ['logout']);
    secret = created.secret;
    await harness.audit.record({ type: 'logout', accountId: 'a2' });

    expect((await harness.webhooks.deliverDue()).map((o) => o.result)).toEqual(['retrying']);
    for (const [attempt, result] of [[1, 'retrying'], [2, 'retrying'], [3, 'delivered']] as const) {
      // Not due a moment before the backoff ends; due when it does.
      clock.advance(retryDelayMs(attempt) / 1000 - 1);
      expect(await harness.webhooks.deliverDue()).toEqual([]);
      clock.advance(1);
      expect((await harness.webhooks.deliverDue()).map((o) => o.result)).toEqual([result]);
    }
    expect(retryDelayMs(1)).toBe(10_000);
    expect(retryDelayMs(2)).toBe(20_000);
    expect(retryDelayMs(3)).toBe(40_000);
    expect(receiver.received.map((r) => r.answered)).toEqual([500, 500, 500, 204]);
    expect((await deliveries(created.webhook.id))[0]).toMatchObject({ status: 'delivered', attempts: 4, last_status: 204 });
  });

  it('gives up after the last attempt, and says so in the webhook list', async () => {
    const receiver = await startWebhookReceiver(() => 503);
    receivers.push(receiver);
    const { webhook } = await register(receiver.url, ['account.*']);
    await harness.audit.record({ type: 'account.disabled', accountId: 'a3' });
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const [outcome] = await harness.webhooks.deliverDue();
      expect(outcome.result).toBe(attempt < MAX_ATTEMPTS ? 'retrying' : 'failed');
      clock.advance(retryDelayMs(attempt) / 1000);
    }
    expect(await harness.webhooks.deliverDue()).toEqual([]);
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    expect((await harness.webhooks.listWebhooks()).find((hook) => hook.id === webhook.id)).toMatchObject({ pending: 0, failed: 1, delivered: 0 });
  });

  it('records a generic reason for an unreachable receiver, never the network error (no port-scan oracle)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const { webhook } = await register(`http://127.0.0.1:${port}/nobody`, ['logout']);
    await harness.audit.record({ type: 'logout' });
    expect(await harness.webhooks.deliverDue()).toEqual([expect.objectContaining({ result: 'retrying', error: DELIVERY_NO_ANSWER })]);
    expect((await deliveries(webhook.id))[0]).toMatchObject({ last_error: DELIVERY_NO_ANSWER, last_status: null });
  });

  it('loses no event to a restart: queued with the event, delivered by the next process, leases expire', async () => {
    let secret = '';
    const receiver = await verifyingReceiver(() => secret);
    const created = await register(receiver.url, ['consent.granted']);
    secret = created.secret;
    await harness.audit.record({ type: 'consent.granted', accountId: 'a4', clientId: 'c4' });
    await harness.audit.record({ type: 'consent.granted', accountId: 'a5', clientId: 'c4' });
    // A process claims one delivery and dies before posting it.
    const [claimed] = await createWebhookQueries(db).claimDueDeliveries(clock.now(), new Date(clock.now().getTime() + 60_000), 1);
    expect(claimed).toBeDefined();

    // The next process: new recorder, new services, same database.
    const restarted = auditOn(db, clock);
    expect((await restarted.webhooks.deliverDue()).map((o) => o.result)).toEqual(['delivered']);
    expect(await restarted.webhooks.deliverDue()).toEqual([]);
    clock.advance(60);
    expect((await restarted.webhooks.deliverDue()).map((o) => o.deliveryId)).toEqual([claimed.id]);
    expect(receiver.received.map((r) => JSON.parse(r.body).account_id).sort()).toEqual(['a4', 'a5']);
    await restarted.audit.close();
  });

  it('drops pending deliveries with their webhook, and fails those whose event was pruned', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    receivers.push(receiver);
    const gone = await register(receiver.url, ['logout']);
    await harness.audit.record({ type: 'logout' });
    await harness.webhooks.deleteWebhook(gone.webhook.id);
    expect(await harness.webhooks.deliverDue()).toEqual([]);
    await expect(harness.webhooks.deleteWebhook(gone.webhook.id)).rejects.toMatchObject({ status: 404 });

    const kept = await register(receiver.url, ['logout']);
    await harness.audit.record({ type: 'logout' });
    clock.advance(1);
    await harness.events.prune(clock.now());
    expect(await harness.webhooks.deliverDue()).toEqual([expect.objectContaining({ result: 'failed', error: 'event pruned' })]);
    expect(receiver.received).toHaveLength(0);
    expect((await deliveries(kept.webhook.id))[0]).toMatchObject({ status: 'failed' });
  });

  it('refuses webhook definitions that are not usable', async () => {
    await expect(register('ftp://files.example/', ['*'])).rejects.toMatchObject({ status: 400, code: 'INVALID_WEBHOOK' });
    await expect(register('https://user:pass@hooks.example/', ['*'])).rejects.toMatchObject({ status: 400 });
    await expect(register('https://hooks.example/', [])).rejects.toMatchObject({ status: 400 });
    await expect(register('https://hooks.example/', ['login.nope'])).rejects.toMatchObject({ status: 400 });
    const stored = (await db('webhooks').select('secret_sealed'))[0];
    expect(stored).toBeUndefined();
  });

  it('keeps the secret encrypted at rest', async () => {
    const { secret, webhook } = await register('https://hooks.example/x', ['*']);
    const row = await db('webhooks').where({ id: webhook.id }).first();
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(secret.slice('whsec_'.length));
  });

  it('delivers as soon as a batch queues deliveries when the background task runs, and stops cleanly', async () => {
    let secret = '';
    const receiver = await verifyingReceiver(() => secret);
    const created = await register(receiver.url, ['client.created']);
    secret = created.secret;
    const instance = auditOn(db, clock);
    const background = createAuditBackground({
      events: instance.events,
      webhooks: instance.webhooks,
      audit: instance.audit,
      clock,
      logger: createLogger('silent'),
      // Polling is too slow to be what delivers here: the batch's nudge is.
      options: { deliveryPollMs: 600_000, maintenanceMs: 600_000 },
    });
    background.start();
    try {
      await instance.audit.record({ type: 'client.created', clientId: 'c9' });
      const [received] = await receiver.waitFor(1);
      expect(received.answered).toBe(204);
      expect(JSON.parse(received.body)).toMatchObject({ type: 'client.created', client_id: 'c9' });
    } finally {
      await background.stop();
    }
    await expect(instance.audit.record({ type: 'logout' })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});

const describeWithPostgres = usingPostgres() ? describe : describe.skip;

describeWithPostgres('webhook delivery from several instances at once', () => {
  let testDatabase: TestDatabase;
  let other: Knex;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgres');
    other = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL, searchPath: [testDatabase.schema!], pool: { min: 0, max: 5 } });
  });
  afterAll(async () => {
    await other.destroy();
    await testDatabase.destroy();
  });

  it('delivers every event exactly once (SKIP LOCKED)', async () => {
    const clock = new ManualClock();
    const one = auditOn(testDatabase.database.db, clock);
    const two = auditOn(other, clock);
    const receiver = await startWebhookReceiver(() => 204);
    try {
      await one.webhooks.createWebhook({ url: receiver.url, eventTypes: ['*'] });
      await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 ? one : two).audit.record({ type: 'logout', accountId: `a${i}` })));
      const drain = async (instance: AuditHarness) => {
        let total = 0;
        for (;;) {
          const outcomes = await instance.webhooks.deliverDue();
          if (outcomes.length === 0) return total;
          total += outcomes.length;
        }
      };
      const [byOne, byTwo] = await Promise.all([drain(one), drain(two), drain(one), drain(two)]).then((counts) => [counts[0] + counts[2], counts[1] + counts[3]]);
      expect(byOne + byTwo).toBe(120);
      const deliveryIds = receiver.received.map((r) => r.headers['idp-delivery-id']);
      expect(new Set(deliveryIds).size).toBe(120);
      expect(receiver.received).toHaveLength(120);
    } finally {
      await receiver.close();
      await Promise.all([one.audit.close(), two.audit.close()]);
    }
  });
});
