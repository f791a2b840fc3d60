import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signInToAccount, submit } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, isChallenge, manualKeyOf, passwordStep, submitCode } from '../../support/mfa.js';
import { registerClient, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'a long passphrase for the account page';
const alertOf = (page: Page) => /role="alert"[^>]*>([^<]*)</.exec(page.body)?.[1];
const codesOf = (page: Page) => [...page.body.matchAll(/<code>([A-Z0-9-]{11})<\/code>/g)].map((match) => match[1]);

describe('two-step verification on the account page', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  // Each test has its own account, so none depends on another's order or leftovers.
  /** A new account signed in to the account pages. */
  async function signedIn(email: string) {
    const account = await server.container.accounts.createAccount({ email, password: PASSWORD, emailVerified: true });
    const agent = new UserAgent();
    await signInToAccount(agent, server.issuer, { email, password: PASSWORD });
    return { account, agent };
  }

  /** A new account signed in to the account pages, with TOTP and recovery codes set up; the clock then moves past the enrollment code. */
  async function enrolled(email: string) {
    const person = await signedIn(email);
    const { secret } = await server.container.mfa.beginTotpEnrollment(person.account.id, email);
    await server.container.mfa.confirmTotpEnrollment(person.account.id, await currentCode(secret, clock));
    const codes = await server.container.mfa.regenerateRecoveryCodes(person.account.id);
    clock.advance(30);
    return { ...person, secret, codes };
  }

  it('turns TOTP on after the password is entered again, and shows the recovery codes once', async () => {
    const { account, agent } = await signedIn('hana@example.com');
    const page = await agent.request(`${server.issuer}/account/security`);
    expect(page.body).toContain('Set up an authenticator app');
    const wrong = await submit(agent, page, '/account/security/totp/start', { password: 'not the password' });
    expect(wrong.status).toBe(400);
    expect(alertOf(wrong)).toBe('The password is not correct.');
    const enrollment = await submit(agent, wrong, '/account/security/totp/start', { password: PASSWORD });
    expect(enrollment.body).toMatch(/src="data:image\/png;base64,/);
    const secret = manualKeyOf(enrollment);
    const badCode = await submit(agent, enrollment, '/account/security/totp/confirm', { code: '000000' });
    expect(badCode.status).toBe(400);
    const done = await submit(agent, badCode, '/account/security/totp/confirm', { code: await currentCode(secret, clock) });
    expect(codesOf(done)).toHaveLength(10);
    const status = await agent.request(`${server.issuer}/account/security`);
    expect(status.body).toContain('10 of 10');
    expect(await server.container.db('events').where({ type: 'mfa.enrolled', account_id: account.id })).toHaveLength(1);
    // The codes were shown once: the page now only counts them.
    for (const code of codesOf(done)) expect(status.body).not.toContain(code);
  });

  it('challenges at sign-in once TOTP is on, and the account page counts the recovery codes left', async () => {
    const { agent, codes } = await enrolled('ines@example.com');
    const first = await passwordStep(web, 'ines@example.com', PASSWORD);
    expect(isChallenge(first.page)).toBe(true);
    await submitCode(first.agent, first.page, codes[0]);
    expect((await agent.request(`${server.issuer}/account/security`)).body).toContain('9 of 10');
  });

  it('regenerates the recovery codes, after which the old ones stop working', async () => {
    const { account, agent, codes: oldCodes } = await enrolled('jon@example.com');
    const page = await agent.request(`${server.issuer}/account/security`);
    const fresh = await submit(agent, page, '/account/security/recovery-codes', { password: PASSWORD });
    const codes = codesOf(fresh);
    expect(codes).toHaveLength(10);
    expect((await agent.request(`${server.issuer}/account/security`)).body).toContain('10 of 10');
    expect(await server.container.mfa.verifySecondFactor(account.id, oldCodes[1])).toEqual({ ok: false });
    expect(await server.container.mfa.verifySecondFactor(account.id, codes[0])).toMatchObject({ ok: true, method: 'recovery_code' });
    const types = (await server.container.db('events').where({ account_id: account.id })).map((event) => event.type);
    expect(types).toContain('mfa.recovery_codes_regenerated');
  });

  it('turns TOTP off after the password, and refuses a form without its CSRF token', async () => {
    const { account, agent } = await enrolled('kai@example.com');
    const page = await agent.request(`${server.issuer}/account/security`);
    const forged = await agent.request(`${server.issuer}/account/security/totp/remove`, { form: { csrf: 'forged', password: PASSWORD } });
    expect(forged.status).toBe(403);
    expect(await server.container.mfa.status(account.id)).toMatchObject({ totpEnrolled: true });
    const off = await submit(agent, page, '/account/security/totp/remove', { password: PASSWORD });
    expect(off.url).toBe(`${server.issuer}/account/security?done=removed`);
    expect(off.body).toContain('Set up an authenticator app');
    expect(await server.container.mfa.status(account.id)).toEqual({ totpEnrolled: false, recoveryCodesRemaining: 0 });
    const types = (await server.container.db('events').where({ account_id: account.id })).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['mfa.removed']));
  });

  it('sends a visitor who is not signed in to the login first', async () => {
    const page = await new UserAgent().request(`${server.issuer}/account/security`);
    expect(page.url).toContain('/interaction/');
  });
});
