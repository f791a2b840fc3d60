import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Keygrip from 'keygrip';
import { bootstrapFirstAdmin } from '../../../src/accounts/bootstrap.js';
import { ADMIN_ROLE, giveFirstAdministratorTheRole } from '../../../src/admin/bootstrap.js';
import { createSealer } from '../../../src/console/seal.js';
import { createOperator, signInToConsole, type Operator } from '../../support/console.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, isChallenge, isEnrollment, submitCode } from '../../support/mfa.js';
import { exchangeCode, REDIRECT_URI, registerClient, startAuthorization, submitConsent, submitLogin } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

/**
 * What the console refuses (docs/threat-model.md, console rows): tokens it did not obtain itself,
 * a third-party client's token even when sealed into its cookie, forged cookies, posts without the
 * CSRF token; and what the first start grants (the administrator role to the generated account).
 */
describe('admin console refusals', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let writer: Operator;
  let targetId: string;
  let bootstrapped: { id: string; email: string; generatedPassword?: string };

  beforeAll(async () => {
    server = await startTestServer({ clock });
    // The first start: an empty database gets an administrator with a generated password and the role.
    bootstrapped = (await bootstrapFirstAdmin(server.container.accounts))!;
    await giveFirstAdministratorTheRole(server.container, server.issuer, bootstrapped.id, { type: 'system', id: 'startup' });
    writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
    targetId = (await server.container.accounts.createAccount({ email: 'target@example.com', password: 'the target password is long', emailVerified: true })).id;
  });
  afterAll(() => server.close());

  /** A cookie header the server accepts as signed (koa's keygrip, with the server's cookie key). */
  function signedCookie(name: string, value: string): string {
    const signature = new Keygrip([server.container.cookieKey]).sign(`${name}=${value}`);
    return `${name}=${value}; ${name}.sig=${signature}`;
  }

  it('gives the first start administrator the idp-admin role, so the printed password leads into the console', async () => {
    expect(bootstrapped.generatedPassword).toEqual(expect.any(String));
    const role = await server.container.roles.findRoleByName(ADMIN_ROLE);
    expect((await server.container.roles.listHolders(role!.id)).map((holder) => holder.subject_id)).toContain(bootstrapped.id);
    const { page } = await signInToConsole(server, { id: bootstrapped.id, email: bootstrapped.email, password: bootstrapped.generatedPassword! }, clock);
    // No second factor yet: set one up first (not a 403).
    expect(isEnrollment(page)).toBe(true);
  });

  it('ignores a bearer token: only its own sealed session lets anyone in', async () => {
    const admin = await createOperator(server, clock, 'bearer@example.com', ['admin:read', 'admin:write']);
    const client = await registerClient(server.issuer, server.container, { firstParty: true });
    // A first-party client named for delegation: its token would work on the admin API, but not here.
    await server.container.clients.updateClient(client.clientId, { systemApiDelegation: true });
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(client, { scope: 'openid admin:read admin:write', resource: server.container.systemApis.admin.identifier });
    let page = await submitLogin(agent, await agent.request(start.url.href), admin.email, admin.password);
    if (isChallenge(page)) {
      clock.advance(30);
      page = await submitCode(agent, page, await currentCode(admin.totp!, clock));
    }
    if (page.body.includes('/confirm"')) page = await submitConsent(agent, page);
    const tokens = await exchangeCode(client, start, page.url);
    const response = await fetch(`${server.issuer}/admin/accounts`, { headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'text/html' }, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/admin\/sign-in\?/);
  });

  it("refuses a third-party client's token even when it is sealed into the console's own cookie", async () => {
    const client = await registerClient(server.issuer, server.container);
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(client, { scope: 'openid admin:read admin:write', resource: server.container.systemApis.admin.identifier });
    let page = await submitLogin(agent, await agent.request(start.url.href), writer.email, writer.password);
    if (isChallenge(page)) {
      clock.advance(30);
      page = await submitCode(agent, page, await currentCode(writer.totp!, clock));
    }
    if (page.body.includes('/confirm"')) page = await submitConsent(agent, page);
    const tokens = await exchangeCode(client, start, page.url);
    const now = Math.floor(clock.now().getTime() / 1000);
    const sealed = await createSealer(server.container.cookieKey, 'session').seal(
      { accountId: writer.id, email: writer.email, accessToken: tokens.access_token, authTime: now, expiresAt: now + 300 },
      new Date((now + 300) * 1000),
    );
    const response = await fetch(`${server.issuer}/admin/accounts`, { headers: { cookie: signedCookie('idp.console', sealed), accept: 'text/html' }, redirect: 'manual' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Not allowed');
  });

  it('treats a forged or tampered session cookie as no session', async () => {
    const { agent } = await signInToConsole(server, writer, clock);
    const [real] = (await agent.jar.getCookies(`${server.issuer}/admin`)).filter((cookie) => cookie.key === 'idp.console');
    const tampered = real.value.slice(0, -4) + (real.value.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const cookie of [signedCookie('idp.console', tampered), `idp.console=${real.value}`, signedCookie('idp.console', 'garbage')]) {
      const response = await fetch(`${server.issuer}/admin`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
      expect(response.status).toBe(303);
    }
  });

  it('refuses a change without the CSRF token, or with a forged one, and changes nothing', async () => {
    const { agent, page } = await signInToConsole(server, writer, clock, `/admin/accounts/${targetId}/disable`);
    const action = `${server.issuer}/admin/accounts/${targetId}/disable`;
    const token = UserAgent.field(page, 'csrf');
    for (const form of [{}, { csrf: '' }, { csrf: `${token.slice(0, -2)}xx` }]) {
      const refused = await agent.request(action, { form: form as Record<string, string> });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('This form has expired');
    }
    expect((await server.container.accounts.findById(targetId))!.status).toBe('active');
  });

  it("ends one of an account's sessions, and only that one", async () => {
    const person = await createOperator(server, clock, 'two-browsers@example.com', []);
    await signInToConsole(server, person, clock);
    await signInToConsole(server, person, clock);
    const provider = server.container.providers.current();
    const [first, second] = await server.container.sessionIndex.listSessions(provider, person.id);
    const { agent, page } = await signInToConsole(server, writer, clock, `/admin/accounts/${person.id}`);
    expect(page.body).toContain(`/sessions/${encodeURIComponent(first.uid)}/end`);
    const ended = await agent.request(`${server.issuer}/admin/accounts/${person.id}/sessions/${encodeURIComponent(first.uid)}/end`, { form: { csrf: UserAgent.field(page, 'csrf') } });
    expect(ended.url).toBe(`${server.issuer}/admin/accounts/${person.id}?done=session-ended`);
    expect((await server.container.sessionIndex.listSessions(provider, person.id)).map((session) => session.uid)).toEqual([second.uid]);
    const unknown = await agent.request(`${server.issuer}/admin/accounts/${person.id}/sessions/no-such-session/end`, { form: { csrf: UserAgent.field(page, 'csrf') } });
    expect(unknown.status).toBe(404);
  });

  it('answers a malformed or unknown account id with a 404 page, not a 500', async () => {
    const { agent } = await signInToConsole(server, writer, clock);
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', '%00']) {
      const page = await agent.request(`${server.issuer}/admin/accounts/${id}`);
      expect([400, 404]).toContain(page.status);
      expect(page.headers.get('content-type')).toContain('text/html');
    }
  });
});
