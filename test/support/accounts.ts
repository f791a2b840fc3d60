import type { Clock } from '../../src/shared/clock.js';
import { startSmtpReceiver, linkIn, type ReceivedMail, type SmtpReceiver } from './mail.js';
import { startTestServer, type TestServer } from './server.js';
import { UserAgent, type Page } from './user-agent.js';

export interface TestClock extends Clock {
  advance(seconds: number): void;
}

/** A clock that starts now and moves only when the test says so. */
export function createTestClock(): TestClock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (seconds) => (offset += seconds * 1000) };
}

export interface AccountTestServer {
  server: TestServer;
  smtp: SmtpReceiver;
  issuer: string;
  /** Waits until every queued mail has been handed to the SMTP server. */
  flushMail(): Promise<void>;
  close(): Promise<void>;
}

/** The real server with a real SMTP receiver, sign-up on, and the mail worker running. */
export async function startAccountServer(options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<AccountTestServer> {
  const smtp = await startSmtpReceiver();
  const server = await startTestServer({
    clock: options.clock,
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Identity <no-reply@example.test>', SIGNUP_ENABLED: 'true', PRODUCT_NAME: 'Acme ID', ...options.env },
  });
  server.container.mailWorker.start();
  return {
    server,
    smtp,
    issuer: server.issuer,
    flushMail: () => server.container.mailWorker.drain(),
    async close() {
      await server.close();
      await smtp.close();
    },
  };
}

/**
 * Posts the first form on the page whose action (or a button's formaction) contains `fragment`,
 * with its hidden fields (the CSRF token) and `fields`, as a browser would.
 */
export function submit(agent: UserAgent, page: Page, fragment: string, fields: Record<string, string> = {}): Promise<Page> {
  for (const form of page.body.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const target = form[1].includes(fragment) ? form[1] : /formaction="([^"]*)"/.exec(form[2])?.[1];
    if (!target?.includes(fragment)) continue;
    const hidden: Record<string, string> = {};
    for (const match of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[match[1]] = match[2].replaceAll('&amp;', '&');
    return agent.request(new URL(target.replaceAll('&amp;', '&'), page.url).href, { form: { ...hidden, ...fields } });
  }
  throw new Error(`no form posting to ${fragment} in ${page.url} (status ${page.status}):\n${page.body.slice(0, 2000)}`);
}

export async function signUp(agent: UserAgent, issuer: string, fields: { email: string; name: string; password: string }, path = '/account/signup'): Promise<Page> {
  const page = await agent.request(`${issuer}${path}`);
  return submit(agent, page, '/account/signup', fields);
}

/** Opens a mailed link and presses the button on the page it shows. */
export async function followLink(agent: UserAgent, link: string, fields: Record<string, string> = {}): Promise<Page> {
  const page = await agent.request(link);
  if (page.status !== 200) return page;
  const action = new URL(link).pathname;
  return submit(agent, page, action, fields);
}

/** Signs in to the account pages through the hosted login (the built-in client), as a browser does. */
export async function signInToAccount(agent: UserAgent, issuer: string, credentials: { email: string; password: string }, path = '/account'): Promise<Page> {
  let page = await agent.request(`${issuer}${path}`);
  if (page.body.includes('name="password"') && page.url.includes('/interaction/')) {
    page = await submit(agent, page, '/login', { email: credentials.email, password: credentials.password });
  }
  return page;
}

export async function mailLink(smtp: SmtpReceiver, address: string, prefix: string): Promise<{ mail: ReceivedMail; link: string }> {
  const mail = await smtp.nextMail(address);
  return { mail, link: linkIn(mail, prefix) };
}

/** A page without what changes between two requests (CSRF token, interaction ids), to compare answers. */
export const comparable = (page: Page) =>
  page.body.replace(/name="csrf" value="[^"]*"/g, '').replaceAll(/\/interaction\/[^/"?]+/g, '/interaction/UID');

export const alertOf = (page: Page) => /role="alert"[^>]*>([^<]*)</.exec(page.body)?.[1];
