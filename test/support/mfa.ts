import { decodeJwt } from 'jose';
import { totpCode } from '../../src/mfa/totp.js';
import type { Clock } from '../../src/shared/clock.js';
import { epochSeconds } from '../../src/shared/clock.js';
import { exchangeCode, REDIRECT_URI, startAuthorization, submitConsent, submitLogin, type RegisteredClient } from './relying-party.js';
import { UserAgent, type Page } from './user-agent.js';

/** The current TOTP code an authenticator app would show, at the server's (test) clock. */
export const currentCode = (secret: string, clock: Clock, offsetSeconds = 0) => totpCode(secret, epochSeconds(clock) + offsetSeconds);

export function manualKeyOf(page: Page): string {
  const match = /class="secret-key">([^<]+)</.exec(page.body);
  if (!match) throw new Error(`no manual key on ${page.url}`);
  return match[1].replace(/\s/g, '');
}

export async function submitCode(agent: UserAgent, page: Page, code: string, fragment = '/mfa'): Promise<Page> {
  return agent.request(UserAgent.action(page, fragment), { form: { csrf: UserAgent.field(page, 'csrf'), code } });
}

/** The two-step page of a sign-in, in any language (by its path; the English heading for pages reached otherwise). */
export const isChallenge = (page: Page) => (page.body.includes('Two-step verification') || /^\/interaction\/[^/]+\/mfa$/.test(new URL(page.url || 'http://x/').pathname)) && page.body.includes('name="code"');
export const isEnrollment = (page: Page) => page.body.includes('Set up two-step verification');

/** Completes consent if asked, then exchanges the code and returns the ID token's claims. */
export async function finishFlow(agent: UserAgent, page: Page, client: RegisteredClient, start: Awaited<ReturnType<typeof startAuthorization>>) {
  const callback = page.body.includes('/confirm"') ? await submitConsent(agent, page) : page;
  const tokens = await exchangeCode(client, start, callback.url);
  return { tokens, claims: decodeJwt(tokens.id_token!) };
}

/** Starts an authorization and submits the password; returns the page that follows. */
export async function passwordStep(client: RegisteredClient, email: string, password: string, params: Record<string, string> = {}, agent = new UserAgent(REDIRECT_URI)) {
  const start = await startAuthorization(client, params);
  const loginPage = await agent.request(start.url.href);
  return { start, agent, page: await submitLogin(agent, loginPage, email, password) };
}
