import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createFederationBroker } from '../../../src/federation/broker.js';
import { createFederationQueries, type ConnectionRow } from '../../../src/federation/queries.js';
import { createLogger } from '../../../src/shared/logger.js';
import { TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/**
 * Issue 19, src/federation/broker.ts: when two first sign-ins of one upstream identity race, the loser's
 * just-created account is removed again. That undo must not touch any data key: not the winner's (its
 * events must stay readable) and not a fresh one (the loser never had events). Erasure keys are
 * destroyed only by the erasure itself, inside its own transaction.
 */
describe('federation sign-in race and data keys', () => {
  let server: TestServer;
  let connection: ConnectionRow;

  beforeAll(async () => {
    server = await startTestServer();
    connection = await server.container.connections.createConnection({ slug: 'racy', display_name: 'Racy SSO', issuer: 'https://sso.racy.example', client_id: 'broker', client_secret: 'a-client-secret-of-the-broker' }, TEST_ACTOR);
  });
  afterAll(() => server.close());

  it("the loser's account is undone without destroying the winner's key, and leaves no key of its own", async () => {
    const { container } = server;
    const queries = createFederationQueries(container.db);
    const broker = (overrides: Partial<typeof queries> = {}) =>
      createFederationBroker({ queries: { ...queries, ...overrides }, accounts: container.accounts, groups: container.groups, audit: container.audit, clock: container.clock, logger: createLogger('silent'), passkeys: container.passkeys });
    const context = { origin: { ip: '192.0.2.10', userAgent: 'RaceBrowser/1.0' } };

    // The winner: the first request's JIT account, with its account.created event under its key.
    const won = await broker().resolve(connection, { subject: 'u-race', email: 'winner@racy.example', emailVerified: true, name: 'Race Winner', groups: [], amr: [] }, context);
    expect(won).toMatchObject({ kind: 'account', created: true });
    const winnerId = (won as { accountId: string }).accountId;
    const keyBefore = await container.db('account_data_keys').where({ account_id: winnerId }).first();
    expect(keyBefore.sealed_key).not.toBeNull();

    // The loser: looked the identity up before the winner committed (so saw none), under the address the
    // upstream gave it then; its insert of the identity then loses.
    let looked = false;
    const keysBefore = await container.db('account_data_keys').select('account_id', 'sealed_key').orderBy('account_id');
    const findIdentity = (async (connectionId: string, subject: string) => (looked ? queries.findIdentity(connectionId, subject) : ((looked = true), undefined))) as never;
    const lost = await broker({ findIdentity })
      .resolve(connection, { subject: 'u-race', email: 'loser@racy.example', emailVerified: true, name: 'Race Loser', groups: [], amr: [] }, context);
    expect(lost).toEqual({ kind: 'account', accountId: winnerId, created: false });
    expect(await container.accounts.findByEmail('loser@racy.example')).toBeUndefined();

    // The winner's key is the same, and its events still read.
    expect(await container.db('account_data_keys').where({ account_id: winnerId }).first()).toEqual(keyBefore);
    const { items } = await container.events.list({ accountId: winnerId }, { limit: 10, order: 'asc' });
    expect(items.find((event) => event.type === 'account.created')).toMatchObject({ detail: { via: 'federation' } });
    // No key row was made (or tombstoned) for the loser: nothing was ever written about it.
    expect(await container.db('account_data_keys').select('account_id', 'sealed_key').orderBy('account_id')).toEqual(keysBefore);
    expect((await container.events.verify()).ok).toBe(true);
  });
});
