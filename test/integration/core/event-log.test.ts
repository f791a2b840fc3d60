import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../../support/server.js';
import { exchangeCode, registerClient, signIn, signInRotateAndReuse, startAuthorization, submitLogin } from '../../support/relying-party.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'canary-password-7f3a9c';
const alice = { email: 'alice@example.com', password: PASSWORD };

describe('event log', () => {
  let server: TestServer;
  const secrets: string[] = [PASSWORD];

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount(alice);
    const web = await registerClient(server.issuer, server.container);
    secrets.push(web.clientSecret!);

    // A full scripted scenario: failed and successful logins, consent, code exchange, refresh,
    // reuse of a rotated refresh token, revocation and logout.
    const agent = new UserAgent();
    const failedPage = await agent.request((await startAuthorization(web)).url.href);
    await submitLogin(agent, failedPage, alice.email, 'wrong-canary-password');
    secrets.push('wrong-canary-password');
    secrets.push(...(await signInRotateAndReuse(web, alice)));
    const second = await signIn(web, alice);
    const secondTokens = await exchangeCode(web, second.start, second.callback.url);
    secrets.push(secondTokens.refresh_token!);
    await oidc.tokenRevocation(web.config, secondTokens.refresh_token!);
  });
  afterAll(() => server.close());

  it('records each step once, with client, account, IP, user agent and request id', async () => {
    // Personal values (the person's IP and user agent) are stored encrypted (docs/privacy.md): read through the vault.
    const events = await server.container.vault.reveal(await server.container.db('events').orderBy('id'));
    const types = events.map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining(['login.failed', 'login.succeeded', 'consent.granted', 'token.issued', 'token.refresh_reuse_detected', 'token.revoked']),
    );
    const login = events.find((event) => event.type === 'login.succeeded');
    expect(login).toMatchObject({ outcome: 'success', actor_type: 'account', ip: expect.stringMatching(/127\.0\.0\.1/) });
    expect(login.account_id).toEqual(expect.any(String));
    expect(login.client_id).toEqual(expect.any(String));
    expect(login.request_id).toEqual(expect.any(String));
    expect(login.user_agent).toEqual(expect.any(String));
    const failed = events.find((event) => event.type === 'login.failed');
    expect(failed).toMatchObject({ outcome: 'failure', detail: { reason: 'wrong_password' } });
    for (const event of events) expect(new Date(event.occurred_at).getTime()).toBeGreaterThan(0);
  });

  it('never contains a password, code, token or client secret', async () => {
    const dump = JSON.stringify(await server.container.db('events').select('*'));
    for (const secret of secrets) expect(dump).not.toContain(secret);
  });
});
