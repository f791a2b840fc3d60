import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import bcrypt from 'bcrypt';
import { startTestServer, type TestServer } from '../../support/server.js';

const PASSWORD = 'the quiet river runs deep';

/**
 * Issue 24: "the same answer and timing for an unknown account as for a wrong password". Timing is
 * not asserted (never time tests); the work is: authenticate() spends exactly one bcrypt comparison
 * on every path, counted on the real bcrypt module (a spy that calls through, not a mock).
 */
describe('sign-in does equal work whether or not the account exists', () => {
  let server: TestServer;
  let compare: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    server = await startTestServer();
    const { accounts } = server.container;
    await accounts.createAccount({ email: 'known@example.com', password: PASSWORD });
    await accounts.createAccount({ email: 'passwordless@example.com' });
    const disabled = await accounts.createAccount({ email: 'disabled@example.com', password: PASSWORD });
    await accounts.updateAccount(disabled.id, { status: 'disabled' });
  });
  afterAll(() => server.close());
  afterEach(() => compare?.mockRestore());

  /** How many bcrypt comparisons one authenticate() call made, and its reason. */
  async function comparisons(email: string, password: string) {
    compare = jest.spyOn(bcrypt, 'compare');
    const result = await server.container.accounts.authenticate(email, password);
    const count = compare.mock.calls.length;
    compare.mockRestore();
    return { reason: result.ok ? 'ok' : result.reason, count };
  }

  it.each([
    ['an unknown account', 'nobody@example.com', PASSWORD, 'unknown_account'],
    ['an account without a password', 'passwordless@example.com', PASSWORD, 'no_password'],
    ['a wrong password', 'known@example.com', 'not the password', 'wrong_password'],
    ['a disabled account', 'disabled@example.com', PASSWORD, 'disabled'],
    ['the right password', 'known@example.com', PASSWORD, 'ok'],
  ])('%s: one bcrypt comparison', async (_title, email, password, reason) => {
    // Twice: the first call for an unknown account also builds the decoy hash; both must compare once.
    expect(await comparisons(email, password)).toEqual({ reason, count: 1 });
    expect(await comparisons(email, password)).toEqual({ reason, count: 1 });
  });
});
