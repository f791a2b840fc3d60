import { createHash, randomBytes } from 'node:crypto';
import { basicAuth, BENCH_EMAIL, BENCH_PASSWORD, BENCH_REDIRECT_URI, type Target } from './fixtures.js';

/**
 * A minimal cookie-keeping browser for the authorization-code flow. Lighter than tough-cookie on
 * purpose: on a 2-core machine the driver's own CPU time is taken from the servers under test. It
 * keeps one value per cookie name (paths are ignored, which is enough for one flow at a time).
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** Follows redirects until a page answers or the redirect reaches the relying party's callback. */
  async go(url: string, init: { form?: Record<string, string> } = {}): Promise<{ url: string; status: number; body: string }> {
    let current = url;
    let method = init.form ? 'POST' : 'GET';
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    for (let hop = 0; hop < 15; hop += 1) {
      if (current.startsWith(BENCH_REDIRECT_URI)) return { url: current, status: 0, body: '' };
      const headers: Record<string, string> = { accept: 'text/html' };
      if (this.cookies.size) headers.cookie = this.cookieHeader();
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.remember(response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        current = new URL(location, current).href;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { url: current, status: response.status, body: await response.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizationUrl(target: Target, pkce: Pkce, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    client_id: target.web.clientId,
    redirect_uri: BENCH_REDIRECT_URI,
    response_type: 'code',
    scope: 'openid email profile',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 'bench-state',
    nonce: 'bench-nonce',
    ...extra,
  });
  return `${target.origin}/auth?${params}`;
}

const field = (body: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1];
const action = (body: string, fragment: string) => new RegExp(`action="([^"]*${fragment}[^"]*)"`).exec(body)?.[1]?.replaceAll('&amp;', '&');

export function codeFrom(callbackUrl: string): string {
  const code = new URL(callbackUrl).searchParams.get('code');
  if (!code) throw new Error(`no code in ${callbackUrl}`);
  return code;
}

export function codeExchangeBody(code: string, pkce: Pkce): string {
  return new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: BENCH_REDIRECT_URI, code_verifier: pkce.verifier }).toString();
}

export async function postToken(target: Target, body: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${target.origin}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(target.web), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * One full flow: authorize → login form (with its CSRF field) → consent → callback → token
 * exchange. Returns the tokens and the browser, which then holds a signed-in session.
 */
export async function fullFlow(target: Target, browser = new Browser()): Promise<{ tokens: Record<string, unknown>; browser: Browser }> {
  const pkce = newPkce();
  let page = await browser.go(authorizationUrl(target, pkce));
  for (let step = 0; step < 4 && page.status !== 0; step += 1) {
    if (page.status !== 200) throw new Error(`${target.name}: unexpected ${page.status} at ${page.url}: ${page.body.slice(0, 300)}`);
    const csrf = field(page.body, 'csrf');
    const login = action(page.body, '/login');
    const confirm = action(page.body, '/confirm');
    if (login && csrf) page = await browser.go(new URL(login, page.url).href, { form: { csrf, email: BENCH_EMAIL, password: BENCH_PASSWORD } });
    else if (confirm && csrf) page = await browser.go(new URL(confirm, page.url).href, { form: { csrf } });
    else throw new Error(`${target.name}: no login or consent form at ${page.url}`);
  }
  if (page.status !== 0) throw new Error(`${target.name}: the flow did not reach the callback`);
  const tokens = await postToken(target, codeExchangeBody(codeFrom(page.url), pkce));
  return { tokens, browser };
}

/** With a signed-in browser: authorize with prompt=none and exchange the code. */
export async function silentFlow(target: Target, browser: Browser): Promise<Record<string, unknown>> {
  const pkce = newPkce();
  const page = await browser.go(authorizationUrl(target, pkce, { prompt: 'none' }));
  if (page.status !== 0) throw new Error(`${target.name}: prompt=none did not return to the callback (${page.status} at ${page.url})`);
  const url = new URL(page.url);
  if (url.searchParams.get('error')) throw new Error(`${target.name}: prompt=none failed: ${url.search}`);
  return postToken(target, codeExchangeBody(codeFrom(page.url), pkce));
}
