import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Knex } from 'knex';
import { MAX_ATTEMPTS, retryDelayMs } from '../../../src/audit/webhook-service.js';
import { runCommand } from '../../../src/cli/run.js';
import { loadConfig } from '../../../src/config/load.js';
import { buildServices, type Services } from '../../../src/container.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { ManualClock } from '../../support/manual-clock.js';
import { TEST_OUTBOUND_ALLOWED, TEST_SERVER_SECRET } from '../../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

/**
 * `idp webhook deliveries` and `idp webhook redeliver`, run in-process as the CLI and the server's
 * control socket run them, on this file's own database.
 */
describe('idp webhook deliveries and redeliver', () => {
  let testDatabase: TestDatabase;
  let db: Knex;
  let services: Services;
  let receiver: WebhookReceiver;
  let accepting = false;
  let webhookId: string;
  const clock = new ManualClock();
  const { config } = loadConfig({ SERVER_SECRET: TEST_SERVER_SECRET, DATA_DIR: '/nonexistent', BCRYPT_COST: '4', OUTBOUND_ALLOWED_HOSTS: TEST_OUTBOUND_ALLOWED });

  const idp = (...line: string[]) => runCommand({ ...services, config, db, databaseKind: testDatabase.database.kind }, line);
  const json = async (...line: string[]) => {
    const result = await idp(...line, '--json');
    if (result.exitCode !== 0) throw new Error(`${line.join(' ')} failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    db = testDatabase.database.db;
    services = buildServices({ config, db, clock });
    receiver = await startWebhookReceiver(() => (accepting ? 204 : 503));
    webhookId = (await json('webhook', 'create', '--url', receiver.url, '--event', 'logout')).id;
    // Two events: the first is refused until its attempts run out; the second is delivered.
    await services.audit.record({ type: 'logout', accountId: 'first' });
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      expect((await services.webhooks.deliverDue()).map((outcome) => outcome.result)).toEqual([attempt < MAX_ATTEMPTS ? 'retrying' : 'failed']);
      clock.advance(retryDelayMs(attempt) / 1000);
    }
    accepting = true;
    await services.audit.record({ type: 'logout', accountId: 'second' });
    expect((await services.webhooks.deliverDue()).map((outcome) => outcome.result)).toEqual(['delivered']);
  });
  afterAll(async () => {
    await receiver.close();
    await services.audit.close();
    await testDatabase.destroy();
  });

  it('lists the recent deliveries, newest first, with state, attempts and the last answer; --failed only the failed', async () => {
    const all = await json('webhook', 'deliveries', webhookId);
    expect(all).toEqual([
      expect.objectContaining({ webhook_id: webhookId, event_type: 'logout', status: 'delivered', attempts: 1, last_status: 204, last_error: null }),
      expect.objectContaining({ webhook_id: webhookId, event_type: 'logout', status: 'failed', attempts: MAX_ATTEMPTS, last_status: 503, last_error: 'HTTP 503' }),
    ]);
    expect(Number(all[0].id)).toBeGreaterThan(Number(all[1].id));
    expect(await json('webhook', 'deliveries', webhookId, '--failed')).toEqual([expect.objectContaining({ id: all[1].id, status: 'failed' })]);
    expect(await json('webhook', 'deliveries', webhookId, '--limit', '1')).toEqual([expect.objectContaining({ id: all[0].id })]);

    const text = await idp('webhook', 'deliveries', webhookId);
    expect(text.stdout).toContain(`${all[1].id}  failed     event ${all[1].event_id} logout  attempts ${MAX_ATTEMPTS}/${MAX_ATTEMPTS}  no more attempts  last: HTTP 503`);
    expect(text.stdout).toMatch(new RegExp(`${all[0].id}  delivered  event \\d+ logout  attempts 1/${MAX_ATTEMPTS}  delivered \\d{4}-`));
  });

  it('queues a failed delivery again, due now with fresh attempts, and the worker sends it', async () => {
    const [failed] = await json('webhook', 'deliveries', webhookId, '--failed');
    const requeued = await json('webhook', 'redeliver', failed.id);
    expect(requeued).toMatchObject({ id: failed.id, status: 'pending', attempts: 0, next_attempt_at: clock.now().toISOString() });
    expect((await idp('webhook', 'deliveries', webhookId)).stdout).toContain(`${failed.id}  pending    event ${failed.event_id} logout  attempts 0/${MAX_ATTEMPTS}  next attempt ${clock.now().toISOString()}`);

    const received = receiver.received.length;
    expect(await services.webhooks.deliverDue()).toEqual([expect.objectContaining({ deliveryId: failed.id, result: 'delivered' })]);
    expect(receiver.received.slice(received).map((request) => request.headers['idp-delivery-id'])).toEqual([failed.id]);
    expect(await json('webhook', 'deliveries', webhookId, '--failed')).toEqual([]);
    const [event] = await db('events').where({ type: 'webhook.redelivered' });
    expect(event).toMatchObject({ actor_type: 'system', actor_id: 'cli', detail: { webhookId, deliveryId: failed.id, eventId: failed.event_id } });
  });

  it('refuses what it cannot do, plainly: a pending delivery, unknown or malformed ids, a missing id', async () => {
    const [latest] = await json('webhook', 'deliveries', webhookId);
    await json('webhook', 'redeliver', latest.id);
    const pending = await idp('webhook', 'redeliver', latest.id);
    expect(pending.exitCode).toBe(1);
    expect(pending.stderr).toContain(`delivery ${latest.id} is still queued`);
    expect((await idp('webhook', 'redeliver', '999999')).stderr).toContain('no delivery with this id');
    expect((await idp('webhook', 'redeliver', 'not-a-number')).stderr).toContain('no delivery with this id');
    expect((await idp('webhook', 'redeliver', '9999999999999999999')).stderr).toContain('no delivery with this id'); // past bigint
    expect((await idp('webhook', 'deliveries', '00000000-0000-4000-8000-000000000000')).stderr).toContain('no webhook with this id');
    expect((await idp('webhook', 'deliveries', 'nope')).exitCode).toBe(1);
    expect((await idp('webhook', 'deliveries')).exitCode).toBe(2);
    expect((await idp('webhook', 'redeliver')).exitCode).toBe(2);
    expect((await idp('webhook', 'deliveries', webhookId, '--limit', '0')).exitCode).toBe(2);
    expect(await db('events').where({ type: 'webhook.redelivered' })).toHaveLength(2);
  });
});
