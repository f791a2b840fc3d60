import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyWebhookSignature } from '../../../src/audit/webhook-signature.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

/** Issue 16, webhooks section: registration through the admin API, the secret shown once, deliveries and redelivery. */
describe('admin console: webhooks', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let writer: Operator;
  let agent: UserAgent;
  let page: Page;
  let receiver: WebhookReceiver;
  let secret = '';

  beforeAll(async () => {
    server = await startTestServer({ clock });
    receiver = await startWebhookReceiver(({ headers, body }) => (verifyWebhookSignature({ secret, header: headers['idp-signature'] as string, body, now: clock.now() }) ? 204 : 401));
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
    ({ agent, page } = await signInToConsole(server, writer, clock, '/admin/webhooks'));
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const post = (path: string, form: Record<string, string>) => agent.request(`${server.issuer}${path}`, { form: { csrf: UserAgent.field(page, 'csrf'), ...form } });
  const secretOf = (shown: Page) => /class="secret-value">([^<]+)</.exec(shown.body)?.[1];
  /** An event the webhooks match, as the admin API records it when a client is registered. */
  const clientCreated = (clientId: string) => server.container.audit.record({ type: 'client.created', actor: { type: 'system', id: 'test' }, clientId });
  const countWebhooks = async () => (await server.container.webhooks.listWebhooks()).length;

  it('says what to do when there is no webhook yet', () => {
    expect(page.status).toBe(200);
    expect(page.body).toContain('No webhooks');
    expect(page.body).toContain('href="/admin/webhooks/new"');
  });

  it('puts refusals next to their field and adds nothing: a private address (the outbound rule), an unknown event type', async () => {
    const privateAddress = await post('/admin/webhooks/new', { url: 'http://10.1.2.3/hook', event_types: 'login.*' });
    expect(privateAddress.status).toBe(400);
    expect(privateAddress.body).toContain('id="url-error"');
    expect(privateAddress.body).toContain('OUTBOUND_ALLOWED_HOSTS');
    const unknown = await post('/admin/webhooks/new', { url: receiver.url, event_types: 'login.*\nno.such.event' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('id="event_types-error"');
    expect(unknown.body).toContain('no.such.event');
    const empty = await post('/admin/webhooks/new', { url: '', event_types: '' });
    expect(empty.status).toBe(400);
    expect(await countWebhooks()).toBe(0);
  });

  it('adds a webhook, shows its signing secret once, delivers signed events, redelivers, and deletes after confirmation', async () => {
    const created = await post('/admin/webhooks/new', { url: receiver.url, event_types: 'client.created, client.deleted', description: 'Client feed' });
    expect(created.status).toBe(200);
    const hookId = /\/admin\/webhooks\/([0-9a-f-]{36})\?done=webhook-created/.exec(created.url)![1];
    secret = secretOf(created)!;
    expect(secret).toMatch(/^whsec_/);
    expect(secretOf(await agent.request(`${server.issuer}/admin/webhooks/${hookId}`))).toBeUndefined();
    expect(JSON.stringify(await server.container.db('webhooks').select('*'))).not.toContain(secret);

    await clientCreated('hooked');
    const pending = await agent.request(`${server.issuer}/admin/webhooks/${hookId}?status=pending`);
    expect(pending.body).toContain('<code>client.created</code>');
    expect(pending.body).not.toContain('Redeliver');
    await server.container.webhooks.deliverDue();
    expect(receiver.received.map((request) => request.answered)).toEqual([204]);

    const delivered = await agent.request(`${server.issuer}/admin/webhooks/${hookId}?status=delivered`);
    const deliveryId = /name="delivery" value="(\d+)"/.exec(delivered.body)![1];
    const queued = await post(`/admin/webhooks/${hookId}/redeliver`, { delivery: deliveryId });
    expect(queued.url).toBe(`${server.issuer}/admin/webhooks/${hookId}?done=delivery-queued`);
    await server.container.webhooks.deliverDue();
    expect(receiver.received.map((request) => request.answered)).toEqual([204, 204]);
    // Queued again while pending: the admin API's 409, shown as a page, never a 500.
    await server.container.db('webhook_deliveries').where({ id: deliveryId }).update({ status: 'pending' });
    expect((await post(`/admin/webhooks/${hookId}/redeliver`, { delivery: deliveryId })).status).toBe(409);
    expect((await post(`/admin/webhooks/${hookId}/redeliver`, { delivery: 'nope' })).status).toBe(404);

    const confirm = await agent.request(`${server.issuer}/admin/webhooks/${hookId}/delete`);
    expect(confirm.body).toContain('Delete this webhook?');
    const deleted = await post(`/admin/webhooks/${hookId}/delete`, {});
    expect(deleted.url).toBe(`${server.issuer}/admin/webhooks?done=webhook-deleted`);
    expect(await countWebhooks()).toBe(0);
    const events = await server.container.events.list({ types: ['webhook.*'] }, { limit: 10, order: 'desc' });
    expect(events.items.map((event) => [event.type, event.actor_id])).toEqual([['webhook.deleted', writer.id], ['webhook.redelivered', writer.id], ['webhook.created', writer.id]]);
  });

  it('pages through deliveries with the admin API cursors, and an unknown webhook is a 404 page', async () => {
    const { webhook } = await server.container.webhooks.createWebhook({ url: receiver.url, eventTypes: ['client.created'] });
    for (let n = 0; n < 26; n += 1) await clientCreated(`client-${n}`);
    const first = await agent.request(`${server.issuer}/admin/webhooks/${webhook.id}`);
    const next = /href="([^"]+)" rel="next"/.exec(first.body)![1].replaceAll('&amp;', '&');
    const second = await agent.request(`${server.issuer}${next}`);
    expect(second.status).toBe(200);
    const rows = (shown: Page) => (shown.body.match(/<td><code>\d+<\/code><\/td>/g) ?? []).length;
    expect([rows(first), rows(second)]).toEqual([25, 1]);
    expect((await agent.request(`${server.issuer}/admin/webhooks/${webhook.id}?cursor=garbage`)).url).toBe(`${server.issuer}/admin/webhooks/${webhook.id}`);
    expect((await agent.request(`${server.issuer}/admin/webhooks/${crypto.randomUUID()}`)).status).toBe(404);
  });
});
