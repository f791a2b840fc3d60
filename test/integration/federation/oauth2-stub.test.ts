import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { TEST_ACTOR } from '../../support/rbac.js';
import { exchangeCode, REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startOAuthStub } from '../../support/upstream.js';
import { UserAgent } from '../../support/user-agent.js';

const SECRET = 'github-like-client-secret';

describe('sign-in through a plain OAuth 2.0 provider (the GitHub preset against a local stub)', () => {
  let server: TestServer;
  let stub: Awaited<ReturnType<typeof startOAuthStub>>;
  let app: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer();
    stub = await startOAuthStub({ clientId: 'gh-client', clientSecret: SECRET });
    await server.container.connections.createConnection(
      {
        preset: 'github',
        client_id: 'gh-client',
        client_secret: SECRET,
        authorization_endpoint: `${stub.base}/login/oauth/authorize`,
        token_endpoint: `${stub.base}/login/oauth/access_token`,
        userinfo_endpoint: `${stub.base}/user`,
      },
      TEST_ACTOR,
    );
    app = await registerClient(server.issuer, server.container, { firstParty: true });
    stub.users.set('octo', { id: 583231, login: 'octocat', name: 'The Octocat', email: 'octo@github.example' });
    stub.users.set('sneaky', { id: 999, login: 'sneaky', email: 'owner@example.com' });
    await server.container.accounts.createAccount({ email: 'owner@example.com', password: 'a long enough password for tests' });
  });
  afterAll(async () => {
    await stub?.close();
    await server?.close();
  });

  async function continueWithGitHub() {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(app);
    const login = await agent.request(start.url.href);
    expect(login.body).toContain('Continue with GitHub');
    const page = await agent.request(UserAgent.action(login, '/federation/github'), { form: { csrf: UserAgent.field(login, 'csrf') } });
    return { start, page };
  }

  it('creates an account from the user-info document, with PKCE S256, state and the sealed secret', async () => {
    stub.control.user = 'octo';
    const { start, page } = await continueWithGitHub();
    expect(page.url.startsWith(REDIRECT_URI)).toBe(true);
    const claims = decodeJwt((await exchangeCode(app, start, page.url)).id_token!);
    const account = (await server.container.accounts.findById(String(claims.sub)))!;
    // GitHub's email carries no verification flag: the account starts unverified.
    expect(account).toMatchObject({ email: 'octo@github.example', name: 'The Octocat', email_verified: false });
    expect(await server.container.db('federated_identities').where({ account_id: account.id })).toEqual([expect.objectContaining({ subject: '583231' })]);
    const authorize = stub.seen.authorize.at(-1)!;
    expect(authorize).toMatchObject({ client_id: 'gh-client', code_challenge_method: 'S256', scope: 'read:user user:email', redirect_uri: `${server.issuer}/federation/callback/github` });
    expect(authorize.state.length).toBeGreaterThanOrEqual(32);
    expect(stub.seen.token.at(-1)).toMatchObject({ grant_type: 'authorization_code', client_secret: SECRET });
  });

  it('never links an unverified (GitHub) email to an existing account', async () => {
    stub.control.user = 'sneaky';
    const { page } = await continueWithGitHub();
    expect(page.status).toBe(403);
    expect(await server.container.db('federated_identities').where({ subject: '999' })).toEqual([]);
  });

  it('shows access_denied from the provider as a clean page', async () => {
    stub.control.deny = true;
    const { page } = await continueWithGitHub();
    stub.control.deny = false;
    expect(page.status).toBe(400);
    expect(page.body).toContain('Sign-in with GitHub was cancelled');
  });
});
