import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { listUserPasskeys, removeUserPasskey } from '../../../src/cli/passkey.js';
import type { CliContext } from '../../../src/cli/context.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const V1 = '/admin/api/v1';

// Operators list and remove an account's passkeys (admin API and CLI); never its last way in.
describe('passkeys in the admin API and the CLI', () => {
  let server: TestServer;
  let admin: ApiClient;
  let withPassword: { id: string; email: string };
  let passwordless: { id: string; email: string };
  const passkeyId = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
  const passkeyOf = (accountId: string, n: number) =>
    insertPasskey(server.container.db, { id: passkeyId(n), accountId, credentialId: `Y3JlZC0${n}`, name: `Key ${n}`, synced: true });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    withPassword = await server.container.accounts.createAccount({ email: 'ana@example.com', password: 'ana has a long password' });
    // An invited account that never set a password: its passkey is its only way in.
    passwordless = await server.container.accounts.createAccount({ email: 'ines@example.com' });
    for (const [accountId, n] of [[withPassword.id, 1], [withPassword.id, 2], [passwordless.id, 3]] as const) await passkeyOf(accountId, n);
  });
  afterAll(() => server.close());

  it('lists an account\'s passkeys with the authenticator named from its AAGUID', async () => {
    const listed = await admin.call('GET', `${V1}/accounts/${withPassword.id}/passkeys`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: passkeyId(1), name: 'Key 1', authenticator: 'Google Password Manager', synced: true, last_used_at: null }),
      expect.objectContaining({ id: passkeyId(2) }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('public_key');
  });

  it('removes one passkey, records it with the operator as actor', async () => {
    const removed = await admin.call('DELETE', `${V1}/accounts/${withPassword.id}/passkeys/${passkeyId(1)}`);
    expect(removed.status).toBe(204);
    const events = await server.container.vault.reveal(await server.container.db('events').where({ type: 'passkey.removed' }));
    expect(events).toEqual([expect.objectContaining({ account_id: withPassword.id, actor_type: 'client', detail: expect.objectContaining({ passkeyId: passkeyId(1), byOperator: true }) })]);
    expect((await admin.call('DELETE', `${V1}/accounts/${withPassword.id}/passkeys/${passkeyId(1)}`)).status).toBe(404);
  });

  it("refuses to remove another account's passkey through this account", async () => {
    const response = await admin.call('DELETE', `${V1}/accounts/${withPassword.id}/passkeys/${passkeyId(3)}`);
    expect(response.status).toBe(404);
    expect(await server.container.db('passkeys').where({ id: passkeyId(3) })).toHaveLength(1);
  });

  it('refuses to remove the last way in (409 LAST_WAY_IN), in the API and the CLI', async () => {
    const response = await admin.call('DELETE', `${V1}/accounts/${passwordless.id}/passkeys/${passkeyId(3)}`);
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ type: 'urn:idp:error:last-way-in' });
    const context = server.container as unknown as CliContext;
    await expect(removeUserPasskey(context, { args: [passwordless.email, passkeyId(3)] } as never)).rejects.toMatchObject({ code: 'LAST_WAY_IN', status: 409 });
    expect(await server.container.db('passkeys').where({ account_id: passwordless.id })).toHaveLength(1);
  });

  it('lists and removes through the CLI', async () => {
    const context = server.container as unknown as CliContext;
    const listed = await listUserPasskeys(context, { args: [withPassword.email] } as never);
    expect(listed.data).toEqual([expect.objectContaining({ id: passkeyId(2), name: 'Key 2' })]);
    const removed = await removeUserPasskey(context, { args: [withPassword.email, passkeyId(2)] } as never);
    expect(removed.data).toMatchObject({ removed: true });
    expect(await server.container.db('passkeys').where({ account_id: withPassword.id })).toHaveLength(0);
  });

  it('answers 404 for an unknown account or a malformed passkey id', async () => {
    expect((await admin.call('GET', `${V1}/accounts/00000000-0000-4000-8000-000000000099/passkeys`)).status).toBe(404);
    expect((await admin.call('DELETE', `${V1}/accounts/${withPassword.id}/passkeys/not-a-uuid`)).status).toBe(404);
  });
});
