import { describe, expect, it } from '@jest/globals';
import type { StoredEvent } from '../../../src/audit/queries.js';
import { ACTIVITY_TYPES, createSignInActivity } from '../../../src/accounts/sign-in-activity.js';

const event = (type: string, detail: Record<string, unknown> = {}): StoredEvent => ({
  id: '1', occurred_at: '2026-12-06T10:00:00.000000Z', type, outcome: 'success', actor_type: 'account', actor_id: null,
  account_id: 'a', client_id: null, ip: '203.0.113.9', user_agent: 'Browser', request_id: null, detail, hash: null,
});

/** The account page's activity list names passkey sign-ins and changes (issue 17, item 5) by catalog key (the page words them). */
describe('sign-in activity wording', () => {
  const activityOf = async (events: StoredEvent[]) =>
    createSignInActivity({ events: { list: async () => ({ items: events }) } as never, clientName: async () => undefined }).recent('a');

  it('lists passkey events and names a passkey sign-in', async () => {
    for (const type of ['passkey.registered', 'passkey.removed', 'passkey.failed', 'passkey.clone_suspected', 'account.password_removed']) expect(ACTIVITY_TYPES).toContain(type);
    const entries = await activityOf([
      event('login.succeeded', { amr: ['hwk', 'user', 'mfa'] }),
      event('login.succeeded', { amr: ['pwd', 'otp', 'mfa'] }),
      event('passkey.registered'),
      event('account.password_removed'),
    ]);
    expect(entries.map((entry) => entry.description)).toEqual(['activity.signedInPasskey', 'activity.signedInMfa', 'activity.passkeyAdded', 'activity.passwordRemoved']);
  });

  it("hides where the operator was when an operator removed a passkey, not the person's own removal", async () => {
    const [byOperator, byPerson] = await activityOf([event('passkey.removed', { byOperator: true }), event('passkey.removed')]);
    expect(byOperator).toMatchObject({ description: 'activity.passkeyRemovedByOperator', ip: null, userAgent: null });
    expect(byPerson).toMatchObject({ description: 'activity.passkeyRemoved', ip: '203.0.113.9' });
  });
});
