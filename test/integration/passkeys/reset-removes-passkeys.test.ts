import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { followLink, mailLink, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { UserAgent } from '../../support/user-agent.js';

// Someone registers an account with another person's address (unverified) and adds a passkey; the
// owner of the mailbox resets the password. The reset is the first proof of the address: the passkey goes.
describe('a reset that first proves the address', () => {
  let env: AccountTestServer;
  beforeAll(async () => {
    env = await startAccountServer();
  });
  afterAll(() => env.close());

  it('removes passkeys added before it, and says so in the mail', async () => {
    const squatted = await env.server.container.accounts.createAccount({ email: 'owner@example.com', password: 'the squatter password' });
    await insertPasskey(env.server.container.db, { id: '00000000-0000-4000-8000-00000000aaaa', accountId: squatted.id, credentialId: 'c3F1YXR0ZXI', name: 'Squatter key' });

    const owner = new UserAgent();
    await submit(owner, await owner.request(`${env.issuer}/account/forgot`), '/account/forgot', { email: 'owner@example.com' });
    const { link } = await mailLink(env.smtp, 'owner@example.com', `${env.issuer}/account/reset?token=`);
    expect((await followLink(owner, link, { password: 'the owner has a new password' })).status).toBe(200);

    expect(await env.server.container.db('passkeys').where({ account_id: squatted.id })).toEqual([]);
    expect((await env.smtp.nextMail('owner@example.com')).text).toContain('first proof that this address is yours');
  });
});
