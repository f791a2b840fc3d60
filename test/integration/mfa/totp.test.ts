import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand } from '../../../src/cli/run.js';
import { ACR_MFA } from '../../../src/mfa/policy.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, finishFlow, isChallenge, isEnrollment, manualKeyOf, passwordStep, submitCode } from '../../support/mfa.js';
import { REDIRECT_URI, registerClient, startAuthorization, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent } from '../../support/user-agent.js';

const PASSWORD = 'a long enough password for tests';

describe('TOTP second factor', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let strict: RegisteredClient;
  let relaxed: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { MFA_FAILURES_BEFORE_DELAY: '4' } });
    await server.container.clients.createClient({ name: 'x', type: 'machine', redirectUris: [], postLogoutRedirectUris: [] });
    strict = await registerClient(server.issuer, server.container);
    await server.container.db('clients').where({ client_id: strict.clientId }).update({ require_mfa: true });
    relaxed = await registerClient(server.issuer, server.container);
    for (const email of ['carol@example.com', 'dave@example.com', 'erin@example.com']) {
      await server.container.accounts.createAccount({ email, password: PASSWORD });
    }
  });
  afterAll(() => server.close());

  // Each test enrolls its own account, so none depends on another's order, secret or failure count.
  /** A new account with TOTP and recovery codes; the clock then moves past the enrollment code's step. */
  async function enrolled(email: string): Promise<{ secret: string; recoveryCodes: string[] }> {
    const account = await server.container.accounts.createAccount({ email, password: PASSWORD });
    const { secret } = await server.container.mfa.beginTotpEnrollment(account.id, email);
    await server.container.mfa.confirmTotpEnrollment(account.id, await currentCode(secret, clock));
    const recoveryCodes = await server.container.mfa.regenerateRecoveryCodes(account.id);
    clock.advance(30);
    return { secret, recoveryCodes };
  }

  it('takes a user through enrollment when the client requires MFA, and reports what happened in acr/amr', async () => {
    const { start, agent, page } = await passwordStep(strict, 'carol@example.com', PASSWORD);
    expect(isEnrollment(page)).toBe(true);
    expect(page.body).toMatch(/src="data:image\/png;base64,/);
    const secret = manualKeyOf(page);
    const wrong = await submitCode(agent, page, '000000', '/mfa/enroll');
    expect(wrong.status).toBe(401);
    expect(isEnrollment(wrong)).toBe(true);
    const codesPage = await submitCode(agent, wrong, await currentCode(secret, clock), '/mfa/enroll');
    expect(codesPage.headers.get('cache-control')).toBe('no-store');
    const recoveryCodes = [...codesPage.body.matchAll(/<code>([A-Z0-9-]{11})<\/code>/g)].map((match) => match[1]);
    expect(recoveryCodes).toHaveLength(10);
    const next = await agent.request(UserAgent.action(codesPage, '/mfa/continue'), { form: { csrf: UserAgent.field(codesPage, 'csrf') } });
    const { claims } = await finishFlow(agent, next, strict, start);
    expect(claims.acr).toBe(ACR_MFA);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    const row = await server.container.db('mfa_totp').where({ account_id: claims.sub }).first();
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_sealed).not.toContain(secret);
    const stored = JSON.stringify(await server.container.db('mfa_recovery_codes').select('*'));
    for (const code of recoveryCodes) expect(stored).not.toContain(code.replace('-', ''));
  });

  it('challenges an enrolled account at every sign-in, even where the client does not require it', async () => {
    const { secret } = await enrolled('fay@example.com');
    const { start, agent, page } = await passwordStep(relaxed, 'fay@example.com', PASSWORD);
    expect(isChallenge(page)).toBe(true);
    const done = await submitCode(agent, page, await currentCode(secret, clock));
    const { claims } = await finishFlow(agent, done, relaxed, start);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
  });

  it('refuses a code that was already used, even inside its 30-second window', async () => {
    const { secret } = await enrolled('gus@example.com');
    const code = await currentCode(secret, clock);
    const first = await passwordStep(relaxed, 'gus@example.com', PASSWORD);
    const accepted = await submitCode(first.agent, first.page, code);
    expect(accepted.status).toBe(200);
    const second = await passwordStep(relaxed, 'gus@example.com', PASSWORD);
    const replay = await submitCode(second.agent, second.page, code);
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('That code is not valid');
  });

  it('accepts one step of clock drift either way, and nothing beyond', async () => {
    const { secret } = await enrolled('hal@example.com');
    clock.advance(300);
    const early = await passwordStep(relaxed, 'hal@example.com', PASSWORD);
    expect((await submitCode(early.agent, early.page, await currentCode(secret, clock, -30))).status).toBe(200);
    clock.advance(300);
    const stale = await passwordStep(relaxed, 'hal@example.com', PASSWORD);
    const refused = await submitCode(stale.agent, stale.page, await currentCode(secret, clock, -90));
    expect(refused.status).toBe(401);
    const future = await submitCode(stale.agent, refused, await currentCode(secret, clock, 90));
    expect(future.status).toBe(401);
  });

  it('accepts each recovery code once', async () => {
    const { recoveryCodes } = await enrolled('ivy@example.com');
    const first = await passwordStep(relaxed, 'ivy@example.com', PASSWORD);
    const used = await submitCode(first.agent, first.page, recoveryCodes[0].toLowerCase());
    const { claims } = await finishFlow(first.agent, used, relaxed, first.start);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'rc', 'mfa']));
    expect((await server.container.mfa.status(claims.sub!)).recoveryCodesRemaining).toBe(9);
    const again = await passwordStep(relaxed, 'ivy@example.com', PASSWORD);
    expect((await submitCode(again.agent, again.page, recoveryCodes[0])).status).toBe(401);
    const types = (await server.container.db('events').where({ account_id: claims.sub })).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['mfa.failed', 'mfa.recovery_code_used']));
  });

  it('steps up an existing password-only session when acr_values asks for MFA, without asking for the password again', async () => {
    const agent = new UserAgent(REDIRECT_URI);
    const { page } = await passwordStep(relaxed, 'dave@example.com', PASSWORD, {}, agent);
    expect(page.url.startsWith(REDIRECT_URI) || page.body.includes('/confirm"')).toBe(true);
    const enrollment = await server.container.mfa.beginTotpEnrollment((await server.container.accounts.findByEmail('dave@example.com'))!.id, 'dave');
    await server.container.mfa.confirmTotpEnrollment((await server.container.accounts.findByEmail('dave@example.com'))!.id, await currentCode(enrollment.secret, clock));
    clock.advance(30);
    const start = await startAuthorization(relaxed, { acr_values: ACR_MFA });
    const challenge = await agent.request(start.url.href);
    expect(isChallenge(challenge)).toBe(true);
    expect(challenge.body).not.toContain('name="password"');
    const done = await submitCode(agent, challenge, await currentCode(enrollment.secret, clock));
    const { claims } = await finishFlow(agent, done, relaxed, start);
    expect(claims.acr).toBe(ACR_MFA);
  });

  it('cannot be skipped: consent, continue or prompt=none without the second factor are refused', async () => {
    clock.advance(30);
    const { agent, page } = await passwordStep(strict, 'erin@example.com', PASSWORD);
    expect(isEnrollment(page)).toBe(true);
    const uid = /\/interaction\/([^/]+)\/mfa/.exec(page.url)![1];
    const csrf = UserAgent.field(page, 'csrf');
    const consent = await agent.request(`${server.issuer}/interaction/${uid}/confirm`, { form: { csrf } });
    expect(consent.status).toBe(400);
    const skip = await agent.request(`${server.issuer}/interaction/${uid}/mfa/continue`, { form: { csrf } });
    expect(skip.status).toBe(400);
    const challengeInstead = await agent.request(`${server.issuer}/interaction/${uid}/mfa`, { form: { csrf, code: '123456' } });
    expect(challengeInstead.status).toBe(400);
    // Resuming the authorization goes back to the interaction, never to a code.
    const resume = await agent.request(`${server.issuer}/auth/${uid}`);
    expect(resume.url).not.toContain('code=');
    // A password-only session from another client does not satisfy the MFA client silently.
    const other = new UserAgent(REDIRECT_URI);
    await passwordStep(relaxed, 'erin@example.com', PASSWORD, {}, other);
    const silent = await other.request((await startAuthorization(strict, { prompt: 'none' })).url.href);
    expect(new URL(silent.url).searchParams.get('error')).toBe('interaction_required');
  });

  it('limits wrong codes per account with a growing wait', async () => {
    const { secret } = await enrolled('jay@example.com');
    const statuses: number[] = [];
    let step = await passwordStep(relaxed, 'jay@example.com', PASSWORD);
    let page = step.page;
    for (let i = 0; i < 5; i += 1) {
      page = await submitCode(step.agent, page, '999999');
      statuses.push(page.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    step = await passwordStep(relaxed, 'jay@example.com', PASSWORD);
    const meanwhile = await submitCode(step.agent, step.page, await currentCode(secret, clock));
    expect(meanwhile.status).toBe(429);
  });

  it('lets an admin reset the MFA of a user with the CLI, after which the factor is gone', async () => {
    await enrolled('kim@example.com');
    const result = await runCommand(server.container, ['user', 'reset-mfa', 'kim@example.com', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ email: 'kim@example.com', had_factor: true });
    const kim = (await server.container.accounts.findByEmail('kim@example.com'))!;
    expect(await server.container.mfa.status(kim.id)).toEqual({ totpEnrolled: false, recoveryCodesRemaining: 0 });
    const relaxedLogin = await passwordStep(relaxed, 'kim@example.com', PASSWORD);
    expect(isChallenge(relaxedLogin.page)).toBe(false);
    const strictLogin = await passwordStep(strict, 'kim@example.com', PASSWORD);
    expect(isEnrollment(strictLogin.page)).toBe(true);
    expect(await server.container.db('events').where({ type: 'mfa.reset', account_id: kim.id })).toHaveLength(1);
  });

  it('advertises its acr values in discovery', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { acr_values_supported: string[] };
    expect(discovery.acr_values_supported).toContain(ACR_MFA);
  });
});

describe('MFA required by a group', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    web = await registerClient(server.issuer, server.container);
    const account = await server.container.accounts.createAccount({ email: 'grace@example.com', password: PASSWORD });
    const actor = { type: 'system' as const, id: 'test' };
    const admins = await server.container.groups.createGroup({ name: 'admins', require_mfa: true }, actor);
    const ops = await server.container.groups.createGroup({ name: 'ops' }, actor);
    // Nested: grace is in ops, and ops is inside admins.
    await server.container.groups.addMember(ops.id, { type: 'account', id: account.id }, actor);
    await server.container.groups.addMember(admins.id, { type: 'group', id: ops.id }, actor);
  });
  afterAll(() => server.close());

  it('takes members of a group that requires MFA (through nesting) through enrollment, on any client', async () => {
    const { page } = await passwordStep(web, 'grace@example.com', PASSWORD);
    expect(isEnrollment(page)).toBe(true);
  });

  it('applies a group that starts requiring MFA to the very next sign-in (the answer is cached, and the change clears it)', async () => {
    const actor = { type: 'system' as const, id: 'test' };
    const account = await server.container.accounts.createAccount({ email: 'hopper@example.com', password: PASSWORD });
    const team = await server.container.groups.createGroup({ name: 'team' }, actor);
    await server.container.groups.addMember(team.id, { type: 'account', id: account.id }, actor);
    const before = await passwordStep(web, 'hopper@example.com', PASSWORD);
    expect(isEnrollment(before.page)).toBe(false);
    await server.container.groups.updateGroup(team.id, { require_mfa: true }, actor);
    const after = await passwordStep(web, 'hopper@example.com', PASSWORD);
    expect(isEnrollment(after.page)).toBe(true);
  });
});
