import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const V1 = '/admin/api/v1';

// Passkeys are second factors: "what do you hold about me?" lists them, and erasure leaves none behind.
describe('passkeys in the account export and erasure', () => {
  let server: TestServer;
  let admin: ApiClient;
  let owner: { id: string; email: string };
  let other: { id: string; email: string };
  const passkeyOf = (accountId: string, n: number, name: string, userHandle: string) => insertPasskey(server.container.db, {
    id: `00000000-0000-4000-8000-0000000000a${n}`, accountId, credentialId: `ZXhwb3J0LWNyZWQt${n}`, publicKey: 'cHVibGljLWtleS1ieXRlcw', name, synced: true, userHandle,
  });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    owner = await server.container.accounts.createAccount({ email: 'olga@example.com', password: 'olga has a long password' });
    other = await server.container.accounts.createAccount({ email: 'otto@example.com', password: 'otto has a long password' });
    await passkeyOf(owner.id, 1, 'Olga laptop', 'b2xnYS1oYW5kbGU');
    await passkeyOf(other.id, 2, 'Otto phone', 'b3R0by1oYW5kbGU');
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
