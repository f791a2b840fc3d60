import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const V1 = '/admin/api/v1';

// Passkeys are second factors: "what do you hold about me?" lists them, and erasure leaves none behind.
describe('passkeys in the account export and erasure', () => {
  let server: TestServer;
  let admin: ApiClient;
  let owner: { id: string; email: string };
  let other: { id: string; email: string };
  const passkeyRow = (accountId: string, n: number, name: string) => ({
    id: `00000000-0000-4000-8000-0000000000a${n}`, account_id: accountId, credential_id: `ZXhwb3J0LWNyZWQt${n}`, public_key: 'cHVibGljLWtleS1ieXRlcw',
    sign_count: 0, transports: 'internal', aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', device_type: 'multiDevice', backed_up: true, name,
  });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    owner = await server.container.accounts.createAccount({ email: 'olga@example.com', password: 'olga has a long password' });
    other = await server.container.accounts.createAccount({ email: 'otto@example.com', password: 'otto has a long password' });
    await server.container.db('passkey_user_handles').insert([
      { account_id: owner.id, user_handle: 'b2xnYS1oYW5kbGU' },
      { account_id: other.id, user_handle: 'b3R0by1oYW5kbGU' },
    ]);
    await server.container.db('passkeys').insert([passkeyRow(owner.id, 1, 'Olga laptop'), passkeyRow(other.id, 2, 'Otto phone')]);
  });
  afterAll(() => server.close());

  it('lists the account\'s passkeys among its second factors, with the authenticator, and never a key or credential id', async () => {
    const exported = await admin.call('GET', `${V1}/accounts/${owner.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.second_factors.factors).toEqual([
      expect.objectContaining({ kind: 'passkey', name: 'Olga laptop', authenticator: 'Google Password Manager', synced: true, last_used_at: null }),
    ]);
    const text = JSON.stringify(exported.body);
    for (const secret of ['cHVibGljLWtleS1ieXRlcw', 'ZXhwb3J0LWNyZWQt', 'b2xnYS1oYW5kbGU', 'Otto phone']) expect(text).not.toContain(secret);
  });

  it('erasing the account removes its passkeys and user handle, and leaves another account\'s', async () => {
    expect((await admin.call('DELETE', `${V1}/accounts/${owner.id}`)).status).toBe(204);
    expect(await server.container.db('passkeys').where({ account_id: owner.id })).toEqual([]);
    expect(await server.container.db('passkey_user_handles').where({ account_id: owner.id })).toEqual([]);
    expect(await server.container.db('passkeys').where({ account_id: other.id })).toHaveLength(1);
  });
});
