import { expect } from '@jest/globals';
import type { Clock } from '../../src/shared/clock.js';
import { currentCode, isChallenge, submitCode } from './mfa.js';
import { TEST_ACTOR } from './rbac.js';
import { submitConsent, submitLogin } from './relying-party.js';
import { ManualClock } from './manual-clock.js';
import { startTestServer, type TestServer } from './server.js';
import { UserAgent, type Page } from './user-agent.js';

export interface Operator {
  id: string;
  email: string;
  password: string;
  /** The TOTP secret, when the operator has a second factor. */
  totp?: string;
}

/**
 * An account for the console tests, holding `permissions` on the admin API through a role of its own,
 * and (unless `mfa` is false) a confirmed TOTP factor.
 */
export async function createOperator(server: TestServer, clock: Clock, email: string, permissions: string[], options: { mfa?: boolean } = {}): Promise<Operator> {
  const { container } = server;
  const password = 'an operator password long enough';
  const account = await container.accounts.createAccount({ email, password, emailVerified: true });
  if (permissions.length) {
    const role = await container.roles.createRole({ name: `console ${email}` }, TEST_ACTOR);
    const ids = [];
    for (const name of permissions) ids.push((await container.resources.findPermission(container.systemApis.admin.identifier, name))!.id);
    await container.roles.addPermissions(role.id, ids, TEST_ACTOR);
    await container.roles.assign(role.id, { type: 'account', id: account.id }, TEST_ACTOR);
  }
  let totp: string | undefined;
  if (options.mfa !== false) {
    totp = (await container.mfa.beginTotpEnrollment(account.id, email)).secret;
    expect(await container.mfa.confirmTotpEnrollment(account.id, await currentCode(totp, clock))).toBeDefined();
  }
  return { id: account.id, email, password, totp };
}

/**
 * Drives a console sign-in without a browser: from `page` (a login page the console sent the agent
 * to), the password, the second factor, and the consent page; returns the page it ends on.
 * `advance` moves the test clock on so each TOTP code is a new one.
 */
export async function completeSignIn(agent: UserAgent, page: Page, operator: Operator, clock: Clock & { advance?(seconds: number): void }): Promise<Page> {
  let current = page.body.includes('name="password"') ? await submitLogin(agent, page, operator.email, operator.password) : page;
  if (isChallenge(current) && operator.totp) {
    clock.advance?.(30);
    current = await submitCode(agent, current, await currentCode(operator.totp, clock));
  }
  if (current.body.includes('/confirm"')) current = await submitConsent(agent, current);
  return current;
}

/** A fresh agent signed in to the console (or stopped wherever the sign-in stopped). */
export async function signInToConsole(server: TestServer, operator: Operator, clock: Clock & { advance?(seconds: number): void }, path = '/admin') {
  const agent = new UserAgent();
  const page = await completeSignIn(agent, await agent.request(`${server.issuer}${path}`), operator, clock);
  return { agent, page };
}

/** A console section's test set-up: see openConsole. */
export interface ConsoleSession {
  server: TestServer;
  clock: ManualClock;
  /** The operator signed in, holding admin:read and admin:write (and a TOTP factor). */
  writer: Operator;
  agent: UserAgent;
  /** The page the sign-in ended on (`path`); its CSRF token goes with every `post`. */
  page: Page;
  get(path: string): Promise<Page>;
  /** Posts a form with the CSRF token; a URLSearchParams may repeat a field (checkboxes), sent as it is. */
  post(path: string, form: Record<string, string> | URLSearchParams): Promise<Page>;
}

/** A test server on its own manual clock, and a writing operator signed in to the console at `path`. */
export async function openConsole(path: string): Promise<ConsoleSession> {
  const clock = new ManualClock(Date.now());
  const server = await startTestServer({ clock });
  const writer = await createOperator(server, clock, 'writer@example.com', ['admin:read', 'admin:write']);
  const { agent, page } = await signInToConsole(server, writer, clock, path);
  return {
    server, clock, writer, agent, page,
    get: (target) => agent.request(`${server.issuer}${target}`),
    post: (target, form) => {
      const params = new URLSearchParams(form instanceof URLSearchParams ? form : Object.entries(form));
      params.set('csrf', UserAgent.field(page, 'csrf'));
      return agent.request(`${server.issuer}${target}`, { form: params as unknown as Record<string, string> });
    },
  };
}
