import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ERASED } from '../../../src/privacy/personal-fields.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

const person = { email: 'hooked.person@example.test', name: 'Hooked Person' };

/**
 * Issue 19, docs/privacy.md "What erasure cannot reach": webhooks carry events as they read at
 * delivery time: decrypted while the account exists, `[erased]` once its key is gone. A body that
 * already left keeps what it carried; one still queued at the deletion leaves with erased values.
 */
describe('webhook bodies and erasure', () => {
  let server: TestServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    server = await startTestServer();
    receiver = await startWebhookReceiver(() => 204);
    await server.container.webhooks.createWebhook({ url: receiver.url, eventTypes: ['account.*'] });
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const deliverAll = async () => {
    while ((await server.container.webhooks.deliverDue()).length > 0);
  };

  it('a delivered body carries the decrypted values and keeps them; a queued one leaves erased', async () => {
    const { container } = server;
    const account = await container.accounts.createAccount({ ...person, password: 'a long enough password here', emailVerified: true });
    const change = { type: 'account.updated' as const, actor: { type: 'system' as const, id: 'test' }, accountId: account.id };
    await container.audit.record({ ...change, detail: { target: { type: 'account', id: account.id, name: person.email }, changes: { name: { before: null, after: person.name } } } });
    await deliverAll();
    const delivered = receiver.received.map((request) => request.body).join('\n');
    // Decrypted at delivery, as documented: the receiver holds the person's values in clear.
    expect(delivered).toContain(person.email);
    expect(delivered).toContain(person.name);
    expect(delivered).not.toContain('pd1.');
    const before = receiver.received.length;

    // An event queued but not yet delivered when the account is erased.
    await container.audit.record({ ...change, detail: { target: { type: 'account', id: account.id, name: person.email }, changes: { name: { before: person.name, after: 'Renamed Person' } } } });
    await container.erasure.eraseAccount(account.id, { type: 'system', id: 'test' });
    await deliverAll();
    const after = receiver.received.slice(before).map((request) => JSON.parse(request.body));
    const flat = JSON.stringify(after);
    expect(flat).toContain(ERASED);
    for (const value of [person.email, person.name, 'Renamed Person']) expect(flat).not.toContain(value);
    expect(after.map((body) => body.type ?? body.event?.type)).toEqual(expect.arrayContaining(['account.updated', 'account.deleted']));
    // What already left is out of our reach: the receiver still has it, unchanged.
    expect(receiver.received.slice(0, before).map((request) => request.body).join('\n')).toContain(person.email);
  });
});
