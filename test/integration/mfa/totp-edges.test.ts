import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../support/manual-clock.js';
import { currentCode, isChallenge, passwordStep, submitCode } from '../../support/mfa.js';
import { registerClient, type RegisteredClient } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const PASSWORD = 'a long enough password for tests';

/**
 * Issue 24: TOTP edges, each test with its own enrolled account and its own time, so none depends on
 * another's order or leftovers: drift of one 30-second step either way is accepted and two steps are
 * refused (RFC 6238 §5.2, one step of tolerance), and one code used twice at once wins exactly once.
 */
describe('TOTP drift and concurrent use', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let web: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { MFA_FAILURES_BEFORE_DELAY: '50' } });
    web = await registerClient(server.issuer, server.container);
  });
  afterAll(() => server.close());

  /** A new account with TOTP confirmed; the clock then moves past the enrollment code's step. */
  async function enrolled(email: string): Promise<string> {
    const account = await server.container.accounts.createAccount({ email, password: PASSWORD });
    const { secret } = await server.container.mfa.beginTotpEnrollment(account.id, email);
    await server.container.mfa.confirmTotpEnrollment(account.id, await currentCode(secret, clock));
    clock.advance(300);
    return secret;
  }

  async function challenge(email: string) {
    const step = await passwordStep(web, email, PASSWORD);
    expect(isChallenge(step.page)).toBe(true);
    return step;
  }

  it.each([
    ['30 s behind', -30, true],
    ['30 s ahead', 30, true],
    ['60 s behind', -60, false],
    ['60 s ahead', 60, false],
  ])('a code %s (offset %i s): accepted %s', async (title, offset, accepted) => {
    const email = `drift-${offset}@example.com`.replace('--', '-m');
    const secret = await enrolled(email);
    const { agent, page } = await challenge(email);
    const answer = await submitCode(agent, page, await currentCode(secret, clock, offset));
    expect({ title, status: answer.status }).toEqual({ title, status: accepted ? 200 : 401 });
    if (!accepted) expect(answer.body).toContain('That code is not valid');
  });

  it('one code submitted twice at the same moment is accepted exactly once', async () => {
    const secret = await enrolled('race@example.com');
    const [first, second] = [await challenge('race@example.com'), await challenge('race@example.com')];
    const code = await currentCode(secret, clock);
    const answers = await Promise.all([submitCode(first.agent, first.page, code), submitCode(second.agent, second.page, code)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
  });
});
