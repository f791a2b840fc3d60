import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACR_MFA } from '../../../src/mfa/policy.js';
import { epochSeconds } from '../../../src/shared/clock.js';
import { signInToAccount, startAccountServer, submit, type AccountTestServer } from '../../support/accounts.js';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, finishFlow, isChallenge, isEnrollment, manualKeyOf, submitCode } from '../../support/mfa.js';
import { REDIRECT_URI, registerClient, startAuthorization, submitLogin, type RegisteredClient } from '../../support/relying-party.js';
import { UserAgent, type Page } from '../../support/user-agent.js';

const PASSWORD = 'a long enough password for tests';
const RECENT = 600;

/**
 * Step-up (issue 15, item 2): a session that lacks a second factor gets one added, and nothing more.
 * It must not become a fresh sign-in (auth_time, max_age, the account pages' "recent sign-in"), and
 * it must not let whoever holds an unlocked browser enrol their own authenticator without the password.
 */
describe('step-up MFA inside an existing session', () => {
  const clock = new ManualClock(Date.now());
  let env: AccountTestServer;
  let app: RegisteredClient;
  let counter = 0;

  beforeAll(async () => {
    env = await startAccountServer({ clock, env: { RECENT_LOGIN_SECONDS: String(RECENT) } });
    app = await registerClient(env.issuer, env.server.container, { firstParty: true });
  });
  afterAll(() => env.close());

  async function person() {
    counter += 1;
    const email = `stepup${counter}@example.com`;
    const account = await env.server.container.accounts.createAccount({ email, password: PASSWORD, emailVerified: true });
    return { id: account.id, email };
  }

  /** Signs in with the password only (no factor yet) to the app; returns the browser and the sign-in time. */
  async function passwordSession(email: string) {
    const agent = new UserAgent(REDIRECT_URI);
    const start = await startAuthorization(app);
    const page = await submitLogin(agent, await agent.request(start.url.href), email, PASSWORD);
    const { claims } = await finishFlow(agent, page, app, start);
    expect(claims.amr).toEqual(['pwd']);
    return { agent, loginTs: epochSeconds(clock) };
  }

  async function enrol(accountId: string): Promise<string> {
    const enrollment = await env.server.container.mfa.beginTotpEnrollment(accountId, 'test');
    await env.server.container.mfa.confirmTotpEnrollment(accountId, await currentCode(enrollment.secret, clock));
    return enrollment.secret;
  }

  const stepUp = async (agent: UserAgent, params: Record<string, string> = {}) => {
    const start = await startAuthorization(app, { acr_values: ACR_MFA, ...params });
    return { start, page: await agent.request(start.url.href) };
  };

  it('keeps the original sign-in time: auth_time is unchanged and max_age still asks for the password', async () => {
    const who = await person();
    const { agent, loginTs } = await passwordSession(who.email);
    const secret = await enrol(who.id);
    clock.advance(120);
    const { start, page } = await stepUp(agent);
    expect(isChallenge(page)).toBe(true);
    const done = await submitCode(agent, page, await currentCode(secret, clock));
    const { claims } = await finishFlow(agent, done, app, start);
    expect(claims.acr).toBe(ACR_MFA);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.auth_time).toBe(loginTs);

    // 180 s after the password, 60 s after the step-up: max_age=100 needs the password again.
    clock.advance(60);
    const fresh = await agent.request((await startAuthorization(app, { max_age: '100' })).url.href);
    expect(fresh.url).toContain('/interaction/');
    expect(fresh.body).toContain('name="password"');
  });

  it('refuses the takeover chain: session only → enrol inside step-up → change the email', async () => {
    const who = await person();
    const agent = new UserAgent(REDIRECT_URI);
    await signInToAccount(agent, env.issuer, { email: who.email, password: PASSWORD });
    clock.advance(RECENT + 100);

    // The unlocked browser asks an app for MFA: no enrolment page, the password is asked for first.
    const { page } = await stepUp(agent);
    expect(isEnrollment(page)).toBe(false);
    expect(page.body).toContain('name="password"');
    expect(page.body).toContain('Enter your password to set up two-step verification.');
    expect(page.body).toContain(`value="${who.email}"`);
    const uid = /\/interaction\/([^/"?]+)/.exec(page.url)![1];
    const csrf = UserAgent.field(page, 'csrf');
    const forced = await agent.request(`${env.issuer}/interaction/${uid}/mfa/enroll`, { form: { csrf, code: '123456' } });
    expect(forced.status).toBe(400);
    expect((await env.server.container.mfa.status(who.id)).totpEnrolled).toBe(false);

    // The email change still wants a recent sign-in.
    const email = await agent.request(`${env.issuer}/account/email`);
    expect(email.url).toContain('/interaction/');
    expect(email.body).toContain('name="password"');
  });

  it('enrols after the password on that page, or right away when the sign-in is recent, keeping auth_time', async () => {
    const who = await person();
    const { agent, loginTs } = await passwordSession(who.email);
    clock.advance(60);
    const { start, page } = await stepUp(agent);
    expect(isEnrollment(page)).toBe(true);
    const codes = await submitCode(agent, page, await currentCode(manualKeyOf(page), clock), '/mfa/enroll');
    const next = await agent.request(UserAgent.action(codes, '/mfa/continue'), { form: { csrf: UserAgent.field(codes, 'csrf') } });
    const { claims } = await finishFlow(agent, next, app, start);
    expect(claims.acr).toBe(ACR_MFA);
    expect(claims.auth_time).toBe(loginTs);

    const other = await person();
    const old = await passwordSession(other.email);
    clock.advance(RECENT + 1);
    const asked = await stepUp(old.agent);
    const withPassword: Page = await submit(old.agent, asked.page, '/login', { email: other.email, password: PASSWORD });
    expect(isEnrollment(withPassword)).toBe(true);
  });
});
