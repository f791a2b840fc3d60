import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLI_ACTOR } from '../../../src/audit/changes.js';
import { updateGroup } from '../../../src/cli/group.js';
import type { CliContext } from '../../../src/cli/context.js';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, finishFlow, submitCode } from '../../support/mfa.js';
import { insertPasskey } from '../../support/passkey-fixture.js';
import { REDIRECT_URI, registerClient, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const V1 = '/admin/api/v1';
const PASSWORD = 'a long enough password for tests';

/**
 * A client or a group that requires a passkey (issue 17): the refusals around it, without a browser
 * (test/browser/passkey-policy.test.ts runs the ceremonies). Nothing but a passkey ends such a sign-in.
 */
describe('a passkey required by the client or a group', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let admin: ApiClient;
  let plain: RegisteredClient;
  let strict: RegisteredClient;
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { PASSKEY_OFFER_DAYS: '30' } });
    admin = await bootstrapAdmin(server);
    plain = await registerClient(server.issuer, server.container, { firstParty: true });
    strict = await registerClient(server.issuer, server.container, { firstParty: true });
    const patched = await admin.call('PATCH', `${V1}/clients/${strict.clientId}`, { require_phishing_resistant: true });
    expect(patched).toMatchObject({ status: 200, body: expect.objectContaining({ require_phishing_resistant: true }) });
  });
  afterAll(() => server.close());

  async function person() {
    counter += 1;
    const email = `required${counter}@example.com`;
    return { ...(await server.container.accounts.createAccount({ email, password: PASSWORD })), email };
  }

  async function passwordStep(client: RegisteredClient, email: string, params: Record<string, string> = {}) {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(client, params);
    const page = await submitLogin(agent, await agent.request(start.url.href), email, PASSWORD);
    return { agent, start, page };
  }

  const events = async (type: string, accountId: string) =>
    server.container.vault.reveal(await server.container.db('events').where({ type, account_id: accountId }).orderBy('id'));
  const uidOf = (page: Page) => new URL(page.url).pathname.split('/')[2];
  const post = (agent: UserAgent, page: Page, path: string, form: Record<string, string> = {}) =>
    agent.request(`${server.issuer}/interaction/${uidOf(page)}${path}`, { form: { csrf: UserAgent.field(page, 'csrf'), ...form } });

  it('leads an account without a factor to passkey creation; TOTP enrollment and codes are refused there', async () => {
    const who = await person();
    const { agent, page } = await passwordStep(strict, who.email);
    expect(page.body).toContain('Create a passkey');
    expect(page.body).not.toContain('Set up two-step verification');
    expect((await post(agent, page, '/mfa/enroll', { code: '123456' })).status).toBe(400);
    expect((await post(agent, page, '/mfa', { code: '123456' })).status).toBe(400);
    expect((await post(agent, page, '/passkey-offer/skip')).status).toBe(400);
    expect(await server.container.mfa.hasFactor(who.id)).toBe(false);
  });

  it('refuses a malformed or oversized registration answer with the page and a 400, counted and recorded', async () => {
    const who = await person();
    const { agent, page } = await passwordStep(strict, who.email);
    for (const response of ['{"id":', JSON.stringify({ id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'A'.repeat(15_000) } })]) {
      const refused = await post(agent, page, '/passkey-enroll', { response });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('The passkey was not created. Try again.');
    }
    expect((await post(agent, page, '/passkey-enroll', { response: 'x'.repeat(20_000) })).status).toBeGreaterThanOrEqual(400);
    const failed = await events('passkey.failed', who.id);
    expect(failed[0]).toMatchObject({ client_id: strict.clientId, detail: expect.objectContaining({ stage: 'register', during: 'required' }) });
    expect(await server.container.db('passkeys').where({ account_id: who.id })).toHaveLength(0);
  });

  it('answers prompt=none for a password-only session with an error, never a code', async () => {
    const who = await person();
    const { agent, start, page } = await passwordStep(plain, who.email);
    await post(agent, page, '/passkey-offer/skip', { reason: 'unsupported' }).then((done) => finishFlow(agent, done, plain, start));
    const silent = await startAuthorization(strict, { prompt: 'none' });
    const answer = await agent.request(silent.url.href);
    const callback = new URL(answer.url);
    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('error')).toMatch(/login_required|interaction_required/);
  });

  it('requires it of a group member on any client (admin API flag), and lets a TOTP holder create one after the code', async () => {
    const who = await person();
    const enrollment = await server.container.mfa.beginTotpEnrollment(who.id, who.email);
    await server.container.mfa.confirmTotpEnrollment(who.id, await currentCode(enrollment.secret, clock));
    const created = await admin.call('POST', `${V1}/groups`, { name: 'vault-staff', require_phishing_resistant: true });
    expect(created).toMatchObject({ status: 201, body: expect.objectContaining({ require_phishing_resistant: true, require_mfa: false }) });
    await server.container.groups.addMember(created.body.id, { type: 'account', id: who.id }, CLI_ACTOR);

    const { agent, page } = await passwordStep(plain, who.email);
    expect(page.body).toContain('Enter your code; you will then create a passkey and use it.');
    clock.advance(30);
    const next = await submitCode(agent, page, await currentCode(enrollment.secret, clock));
    // The code was right, yet the sign-in is not over: the passkey comes first.
    expect(next.url).toMatch(/\/mfa$/);
    expect(next.body).toContain('Create a passkey');
    expect(await events('login.succeeded', who.id)).toEqual([]);
  });

  it('refuses a code once the account has a passkey, and turns the group flag off from the CLI', async () => {
    const who = await person();
    const enrollment = await server.container.mfa.beginTotpEnrollment(who.id, who.email);
    await server.container.mfa.confirmTotpEnrollment(who.id, await currentCode(enrollment.secret, clock));
    await insertPasskey(server.container.db, { id: '00000000-0000-4000-8000-0000000000aa', accountId: who.id, credentialId: 'cmVxdWlyZWQ', name: 'Key' });
    const group = await server.container.groups.createGroup({ name: 'cli-strict', require_phishing_resistant: true }, CLI_ACTOR);
    await server.container.groups.addMember(group.id, { type: 'account', id: who.id }, CLI_ACTOR);
    const { agent, page } = await passwordStep(plain, who.email);
    expect(page.body).not.toContain('name="code"');
    clock.advance(30);
    const refused = await post(agent, page, '/mfa', { code: await currentCode(enrollment.secret, clock) });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('The application asks for a sign-in with a passkey.');
    // The refusal leads on to the passkey: its ceremony on the page, and no code form to try again.
    expect(refused.body).toContain('data-passkey="second-factor"');
    expect(refused.body).not.toContain('name="code"');

    const context = server.container as unknown as CliContext;
    const result = await updateGroup(context, { args: ['cli-strict', '--no-require-phishing-resistant'] } as never);
    expect(result.data).toMatchObject({ require_phishing_resistant: false });
    const again = await passwordStep(plain, who.email);
    expect(again.page.body).toContain('name="code"');
  });

  it('creates a passkey in a step-up only within RECENT_LOGIN_SECONDS; an older session gives the password first', async () => {
    const who = await person();
    const enrollment = await server.container.mfa.beginTotpEnrollment(who.id, who.email);
    await server.container.mfa.confirmTotpEnrollment(who.id, await currentCode(enrollment.secret, clock));
    const { agent, start, page } = await passwordStep(plain, who.email);
    clock.advance(30);
    const offered = await agent.request(page.url, { form: { csrf: UserAgent.field(page, 'csrf'), code: await currentCode(enrollment.secret, clock) } });
    await post(agent, offered, '/passkey-offer/skip', { reason: 'unsupported' }).then((done) => finishFlow(agent, done, plain, start));

    const recent = await agent.request((await startAuthorization(strict)).url.href);
    expect(recent.body).toContain('Enter your code; you will then create a passkey and use it.');
    clock.advance(601);
    const old = await agent.request((await startAuthorization(strict)).url.href);
    expect(old.body).toContain('Enter your password to set up two-step verification.');
    expect(old.body).not.toContain('name="code"');
  });

  it('keeps the offer page to its interaction stage: no offer stage, no page', async () => {
    const who = await person();
    const { agent, page } = await passwordStep(plain, who.email);
    expect(page.url).toMatch(/\/passkey-offer$/);
    expect((await post(agent, page, '/passkey-offer/skip', { reason: 'forever' })).status).toBe(400);
    const stranger = new UserAgent(REDIRECT_URI);
    expect((await stranger.request(page.url)).status).toBeGreaterThanOrEqual(400);
    // The offer is not the challenge: a code post there is out of step.
    expect((await post(agent, page, '/mfa', { code: '123456' })).status).toBe(400);
  });
});
