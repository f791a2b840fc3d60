import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { signInToAccount, startAccountServer, type AccountTestServer } from '../../support/accounts.js';
import { exchangeCode, registerClient, signIn, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent, type Page } from '../../support/user-agent.js';
import { SecretBox } from '../../../src/shared/secret-box.js';
import { TEST_SERVER_SECRET } from '../../support/server.js';

const PASSWORD = 'the quiet river runs deep';

/**
 * Issue 24: the owner checks of src/oidc/session-index.ts. One account's page must not end another
 * account's LIVE session or revoke its LIVE grant, and an index row that names another account's
 * session or grant is never listed or ended. Each test makes its own two accounts.
 */
describe('the account page acts only on its own account', () => {
  let env: AccountTestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    env = await startAccountServer();
    web = await registerClient(env.issuer, env.server.container);
  });
  afterAll(() => env.close());

  const provider = () => env.server.container.providers.current();
  const index = () => env.server.container.sessionIndex;

  /** A person signed in to /account in one browser, with an app holding a refresh token. */
  async function person(email: string) {
    const account = await env.server.container.accounts.createAccount({ email, name: email, password: PASSWORD, emailVerified: true });
    const browser = new UserAgent();
    const page = await signInToAccount(browser, env.issuer, { email, password: PASSWORD });
    expect(page.url).toBe(`${env.issuer}/account`);
    const { start, callback } = await signIn(web, { email, password: PASSWORD });
    const tokens = await exchangeCode(web, start, callback.url);
    const [session] = await index().listSessions(provider(), account.id);
    const [grant] = await index().listGrants(provider(), account.id);
    expect(session).toBeDefined();
    expect(grant).toBeDefined();
    return { account, browser, page, refreshToken: tokens.refresh_token!, sessionUid: session.uid, grantId: grant.grantId };
  }

  /** Still signed in, and the app's refresh token still works. */
  async function expectIntact(victim: Awaited<ReturnType<typeof person>>) {
    expect((await victim.browser.request(`${env.issuer}/account`)).url).toBe(`${env.issuer}/account`);
    const refreshed = await oidc.refreshTokenGrant(web.config, victim.refreshToken);
    victim.refreshToken = refreshed.refresh_token ?? victim.refreshToken;
    expect((await index().listSessions(provider(), victim.account.id)).map((session) => session.uid)).toContain(victim.sessionUid);
    expect((await index().listGrants(provider(), victim.account.id)).map((grant) => grant.grantId)).toContain(victim.grantId);
  }

  const post = (agent: UserAgent, page: Page, path: string) => agent.request(`${env.issuer}${path}`, { form: { csrf: UserAgent.field(page, 'csrf') } });

  it("refuses to end another account's live session, which keeps working", async () => {
    const mallory = await person('mallory-s@example.com');
    const victim = await person('victim-s@example.com');
    const refused = await post(mallory.browser, mallory.page, `/account/sessions/${victim.sessionUid}/revoke`);
    expect(refused.status).toBe(404);
    expect(refused.body).toContain('This session has already ended.');
    expect(await index().revokeSession(provider(), mallory.account.id, victim.sessionUid)).toBe(false);
    await expectIntact(victim);
    expect(await env.server.container.db('events').where({ type: 'session.revoked', account_id: mallory.account.id })).toHaveLength(0);
  });

  it("refuses to revoke another account's live grant, whose tokens keep working", async () => {
    const mallory = await person('mallory-g@example.com');
    const victim = await person('victim-g@example.com');
    const refused = await post(mallory.browser, mallory.page, `/account/applications/${victim.grantId}/revoke`);
    expect(refused.status).toBe(404);
    expect(refused.body).toContain('This application has no access to revoke.');
    expect(await index().revokeGrant(provider(), mallory.account.id, victim.grantId)).toBeUndefined();
    await expectIntact(victim);
  });

  it("never lists or ends a session or grant that an index row files under the wrong account", async () => {
    const mallory = await person('mallory-i@example.com');
    const victim = await person('victim-i@example.com');
    const { db } = env.server.container;
    // Rows claiming the victim's session and grant for mallory (what a stale or corrupted index could hold).
    const [sessionRow] = await db('browser_sessions').where({ uid: victim.sessionUid });
    const sessionId = new SecretBox([TEST_SERVER_SECRET], 'session-index').open(sessionRow.sealed_session_id);
    await db('browser_sessions').insert({ ...sessionRow, uid: 'forged-row-uid', account_id: mallory.account.id, sealed_session_id: new SecretBox([TEST_SERVER_SECRET], 'session-index').seal(sessionId) });
    const [grantRow] = await db('grant_index').where({ grant_id: victim.grantId });
    await db('grant_index').where({ grant_id: victim.grantId }).update({ account_id: mallory.account.id });

    expect((await index().listSessions(provider(), mallory.account.id)).map((session) => session.uid)).not.toContain('forged-row-uid');
    expect((await index().listGrants(provider(), mallory.account.id)).map((grant) => grant.grantId)).not.toContain(victim.grantId);
    await db('grant_index').insert(grantRow).onConflict('grant_id').merge();
    await db('browser_sessions').insert({ ...sessionRow, uid: 'forged-row-uid-2', account_id: mallory.account.id, sealed_session_id: new SecretBox([TEST_SERVER_SECRET], 'session-index').seal(sessionId) });
    // Mallory's own other session (the app's sign-in) ends; the victim's, filed under mallory by the forged row, does not.
    const own = (await index().listSessions(provider(), mallory.account.id)).filter((session) => session.uid !== mallory.sessionUid);
    expect(own.map((session) => session.uid)).not.toContain('forged-row-uid-2');
    expect(await index().revokeSessions(provider(), mallory.account.id, mallory.sessionUid)).toBe(own.length);
    await expectIntact(victim);
  });
});
