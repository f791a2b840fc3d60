import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signInToAccount, submit } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, isChallenge, manualKeyOf, passwordStep, submitCode } from '../../support/mfa.js';
import { registerClient, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'a long passphrase for the account page';
const alertOf = (page: Page) => /role="alert">([^<]*)</.exec(page.body)?.[1];
const codesOf = (page: Page) => [...page.body.matchAll(/<code>([A-Z0-9-]{11})<\/code>/g)].map((match) => match[1]);

describe('two-step verification on the account page', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let web: RegisteredClient;
  let agent: UserAgent;
  let secret: string;
  let oldCodes: string[];

  beforeAll(async () => {
    server = await startTestServer({ clock });
    web = await registerClient(server.issuer, server.container);
    await server.container.accounts.createAccount({ email: 'hana@example.com', password: PASSWORD, emailVerified: true });
    agent = new UserAgent();
    await signInToAccount(agent, server.issuer, { email: 'hana@example.com', password: PASSWORD });
  });
  afterAll(() => server.close());

  it('turns TOTP on after the password is entered again, and shows the recovery codes once', async () => {
    const page = await agent.request(`${server.issuer}/account/security`);
    expect(page.body).toContain('Set up an authenticator app');
    const wrong = await submit(agent, page, '/account/security/totp/start', { password: 'not the password' });
    expect(wrong.status).toBe(400);
    expect(alertOf(wrong)).toBe('The password is not correct.');
    const enrollment = await submit(agent, wrong, '/account/security/totp/start', { password: PASSWORD });
    expect(enrollment.body).toMatch(/src="data:image\/png;base64,/);
    secret = manualKeyOf(enrollment);
    const badCode = await submit(agent, enrollment, '/account/security/totp/confirm', { code: '000000' });
    expect(badCode.status).toBe(400);
    const done = await submit(agent, badCode, '/account/security/totp/confirm', { code: await currentCode(secret, clock) });
    expect(codesOf(done)).toHaveLength(10);
    const status = await agent.request(`${server.issuer}/account/security`);
    expect(status.body).toContain('10 of 10');
    const account = (await server.container.accounts.findByEmail('hana@example.com'))!;
    expect(await server.container.db('events').where({ type: 'mfa.enrolled', account_id: account.id })).toHaveLength(1);
  });

  it('now challenges at sign-in, and the account page counts the recovery codes left', async () => {
    clock.advance(30);
    const first = await passwordStep(web, 'hana@example.com', PASSWORD);
    expect(isChallenge(first.page)).toBe(true);
    oldCodes = await server.container.mfa.regenerateRecoveryCodes((await server.container.accounts.findByEmail('hana@example.com'))!.id);
    await submitCode(first.agent, first.page, oldCodes[0]);
    expect((await agent.request(`${server.issuer}/account/security`)).body).toContain('9 of 10');
  });

  it('regenerates the recovery codes, after which the old ones stop working', async () => {
    const page = await agent.request(`${server.issuer}/account/security`);
    const fresh = await submit(agent, page, '/account/security/recovery-codes', { password: PASSWORD });
    const codes = codesOf(fresh);
    expect(codes).toHaveLength(10);
    expect((await agent.request(`${server.issuer}/account/security`)).body).toContain('10 of 10');
    const accountId = (await server.container.accounts.findByEmail('hana@example.com'))!.id;
    expect(await server.container.mfa.verifySecondFactor(accountId, oldCodes[1])).toEqual({ ok: false });
    expect(await server.container.mfa.verifySecondFactor(accountId, codes[0])).toMatchObject({ ok: true, method: 'recovery_code' });
  });

  it('turns TOTP off after the password, and refuses a form without its CSRF token', async () => {
    const page = await agent.request(`${server.issuer}/account/security`);
    const forged = await agent.request(`${server.issuer}/account/security/totp/remove`, { form: { csrf: 'forged', password: PASSWORD } });
    expect(forged.status).toBe(403);
    const off = await submit(agent, page, '/account/security/totp/remove', { password: PASSWORD });
    expect(off.url).toBe(`${server.issuer}/account/security?done=removed`);
    expect(off.body).toContain('Set up an authenticator app');
    const account = (await server.container.accounts.findByEmail('hana@example.com'))!;
    expect(await server.container.mfa.status(account.id)).toEqual({ totpEnrolled: false, recoveryCodesRemaining: 0 });
    const types = (await server.container.db('events').where({ account_id: account.id })).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['mfa.removed', 'mfa.recovery_codes_regenerated', 'mfa.recovery_code_used']));
  });

  it('sends a visitor who is not signed in to the login first', async () => {
    const page = await new UserAgent().request(`${server.issuer}/account/security`);
    expect(page.url).toContain('/interaction/');
  });
});
