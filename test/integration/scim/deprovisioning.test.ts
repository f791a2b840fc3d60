import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { followLink, mailLink, startAccountServer, type AccountTestServer } from '../../support/accounts.js';
import { REDIRECT_URI, registerClient, signIn, exchangeCode, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';
import { patch, provisioningDirectory, USER_SCHEMA, type ScimClient } from '../../support/scim.js';

const PASSWORD = 'a long password for provisioning';

/**
 * A provisioned person's life: the invitation mail sets their password; they sign in to an app;
 * the directory deactivates them (Entra's PATCH with active "False") and every session and token
 * ends at once; reactivation lets them sign in again; deletion removes the account.
 */
describe('SCIM provisioning lifecycle', () => {
  let env: AccountTestServer;
  let scim: ScimClient;
  let app: RegisteredClient;
  let id: string;

  beforeAll(async () => {
    env = await startAccountServer();
    scim = await provisioningDirectory(env.server, 'Contoso Entra', { sendInvitations: true });
    app = await registerClient(env.issuer, env.server.container);
  });
  afterAll(() => env.close());

  it('mails a new active user an invitation whose link sets the password and proves the address', async () => {
    const created = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'nia@contoso.test', displayName: 'Nia', emails: [{ value: 'nia@contoso.test', type: 'work', primary: true }], active: true });
    expect(created.status).toBe(201);
    id = created.body.id;
    await env.flushMail();
    const { mail, link } = await mailLink(env.smtp, 'nia@contoso.test', `${env.issuer}/account/reset?token=`);
    expect(mail.subject).toBe('Your Acme ID account is ready');
    expect(mail.text).toContain('7 days');
    const done = await followLink(new UserAgent(), link, { password: PASSWORD });
    expect(done.url).toBe(`${env.issuer}/account/reset/done`);
    expect(await env.server.container.accounts.findById(id)).toMatchObject({ email_verified: true, status: 'active' });
  });

  it('sends no invitation for a user created inactive', async () => {
    await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'later@contoso.test', active: false });
    await env.flushMail();
    expect(env.smtp.pending('later@contoso.test')).toEqual([]);
  });

  it('active "False" disables the account and ends its sessions, refresh tokens and access tokens at once', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const { start, callback } = await signIn(app, { email: 'nia@contoso.test', password: PASSWORD }, { scope: 'openid offline_access', prompt: 'consent' }, agent);
    const tokens = await exchangeCode(app, start, callback.url);
    expect(tokens.refresh_token).toBeDefined();
    const { sessionIndex, providers } = env.server.container;
    expect(await sessionIndex.listSessions(providers.current(), id)).toHaveLength(1);
    await oidc.fetchUserInfo(app.config, tokens.access_token, oidc.skipSubjectCheck);

    // Entra sends op in any case and booleans as strings.
    const off = await scim.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await env.server.container.accounts.findById(id))?.status).toBe('disabled');

    expect(await sessionIndex.listSessions(providers.current(), id)).toEqual([]);
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(app.config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toBeDefined();
    // The browser's session is gone: the next authorization asks for the password again, and the password no longer works.
    const again = await signIn(app, { email: 'nia@contoso.test', password: PASSWORD }, {}, agent);
    expect(again.callback.url).not.toContain('code=');

    // Stored encrypted under the account's data key (docs/privacy.md); read through the vault.
    const [event] = await env.server.container.vault.reveal(await env.server.container.db('events').where({ type: 'account.disabled', account_id: id }));
    expect(event).toMatchObject({ actor_type: 'directory', actor_id: scim.directoryId });
    expect(event.detail.changes.status).toEqual({ before: 'active', after: 'disabled' });
  });

  it('active true again lets the person sign in', async () => {
    const on = await scim.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: true } }));
    expect(on.body.active).toBe(true);
    const { start, callback } = await signIn(app, { email: 'nia@contoso.test', password: PASSWORD });
    expect((await exchangeCode(app, start, callback.url)).access_token).toBeDefined();
    expect(await env.server.container.db('events').where({ type: 'account.enabled', account_id: id })).toHaveLength(1);
  });

  it('DELETE removes the account after ending its sessions and grants', async () => {
    const { start, callback } = await signIn(app, { email: 'nia@contoso.test', password: PASSWORD }, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await exchangeCode(app, start, callback.url);
    expect((await scim.call('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(await env.server.container.accounts.findById(id)).toBeUndefined();
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await env.server.container.db('events').where({ type: 'account.deleted', account_id: id, actor_type: 'directory' })).toHaveLength(1);
    // Erased as every deletion is: the account's data key is gone, so its events' personal values read as erased.
    expect(await env.server.container.db('account_data_keys').where({ account_id: id }).first()).toMatchObject({ sealed_key: null });
    const [created] = await env.server.container.vault.reveal(await env.server.container.db('events').where({ type: 'account.created', account_id: id }));
    expect(JSON.stringify(created.detail)).not.toContain('nia@contoso.test');
  });
});
