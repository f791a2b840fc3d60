import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { defineApi } from '../../support/rbac.js';
import { exchangeCode, REDIRECT_URI, registerClient, startAuthorization, submitConsent, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

const API = 'https://reports.example.com';
const kim = { email: 'kim@example.com', password: 'kims password is long enough' };

/** The items of the consent page's list, as a person reads them. */
const listed = (body: string) => [...body.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((match) => match[1].replace(/<[^>]+>/g, '').trim());

describe('the consent page names everything a client gets', () => {
  let server: TestServer;
  let app: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer();
    await server.container.accounts.createAccount({ ...kim, name: 'Kim Lee', emailVerified: true });
    await defineApi(server.container, API, ['reports:read']);
    app = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  async function toConsent(params: Record<string, string>, agent = new UserAgent(REDIRECT_URI)) {
    const start = await startAuthorization(app, params);
    let page = await agent.request(start.url.href);
    if (page.body.includes('name="password"')) page = await submitLogin(agent, page, kim.email, kim.password);
    return { start, page, agent };
  }

  // Issue 15, item 6: claims asked for one by one with the `claims` parameter were released with a
  // consent page that listed nothing.
  it('lists claims asked for with the claims parameter, and releases only after they were shown', async () => {
    const { start, page, agent } = await toConsent({ scope: 'openid', claims: JSON.stringify({ id_token: { email: null, name: null } }) });
    expect(page.body).toContain('/confirm"');
    expect(listed(page.body)).toEqual(['See these details about you: Email address, Name']);
    const callback = await submitConsent(agent, page);
    const claims = decodeJwt((await exchangeCode(app, start, callback.url)).id_token!);
    expect(claims).toMatchObject({ email: kim.email, name: 'Kim Lee' });
  });

  it('does not list a claim twice when a requested scope already names it', async () => {
    const { page } = await toConsent({ scope: 'openid email', claims: JSON.stringify({ userinfo: { email: { essential: true }, name: null } }) });
    expect(listed(page.body)).toEqual(['See your email address', 'See these details about you: Name']);
  });

  it('names an API asked for with no scope on it, once: the grant remembers it', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const first = await toConsent({ scope: 'openid', resource: API }, agent);
    expect(listed(first.page.body)).toEqual([`Use this API for you: ${API}`]);
    const callback = await submitConsent(agent, first.page);
    expect(new URL(callback.url).searchParams.has('code')).toBe(true);

    const again = await startAuthorization(app, { scope: 'openid', resource: API, prompt: 'none' });
    const answer = new URL((await agent.request(again.url.href)).url).searchParams;
    expect(answer.get('error')).toBeNull();
    expect(answer.has('code')).toBe(true);
  });
});
