import * as oidc from 'openid-client';
import type { Container } from '../../src/container.js';
import { UserAgent, type Page } from './user-agent.js';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const POST_LOGOUT_URI = 'http://127.0.0.1:9/signed-out';

export interface RegisteredClient {
  clientId: string;
  clientSecret?: string;
  config: oidc.Configuration;
}

/** Registers a client through the service and discovers the issuer with openid-client. */
export async function registerClient(
  issuer: string,
  container: Container,
  options: { type?: 'web' | 'spa' | 'native' | 'machine'; firstParty?: boolean; redirectUris?: string[] } = {},
): Promise<RegisteredClient> {
  const type = options.type ?? 'web';
  const { client, clientSecret } = await container.clients.createClient({
    name: `Test ${type} app`,
    type,
    redirectUris: type === 'machine' ? [] : (options.redirectUris ?? [REDIRECT_URI]),
    postLogoutRedirectUris: type === 'machine' ? [] : [POST_LOGOUT_URI],
    firstParty: options.firstParty,
  });
  const auth = clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None();
  const config = await oidc.discovery(new URL(issuer), client.client_id, undefined, auth, { execute: [oidc.allowInsecureRequests] });
  return { clientId: client.client_id, clientSecret, config };
}

export interface AuthorizationStart {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function startAuthorization(client: RegisteredClient, params: Record<string, string> = {}): Promise<AuthorizationStart> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(client.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** Fills and posts the login form on a login page. */
export async function submitLogin(agent: UserAgent, page: Page, email: string, password: string): Promise<Page> {
  return agent.request(UserAgent.action(page, '/login'), { form: { csrf: UserAgent.field(page, 'csrf'), email, password } });
}

/** Posts the consent form (allow) on a consent page. */
export async function submitConsent(agent: UserAgent, page: Page): Promise<Page> {
  return agent.request(UserAgent.action(page, '/confirm'), { form: { csrf: UserAgent.field(page, 'csrf') } });
}

/**
 * Runs authorize → login → consent and returns where the browser ended: the callback URL with the
 * code (status 0, since nothing listens there).
 */
export async function signIn(
  client: RegisteredClient,
  credentials: { email: string; password: string },
  params: Record<string, string> = {},
  agent = new UserAgent(REDIRECT_URI),
): Promise<{ start: AuthorizationStart; callback: Page; agent: UserAgent }> {
  const start = await startAuthorization(client, params);
  let page = await agent.request(start.url.href);
  if (page.body.includes('name="password"')) page = await submitLogin(agent, page, credentials.email, credentials.password);
  if (page.body.includes('/confirm"')) page = await submitConsent(agent, page);
  return { start, callback: page, agent };
}

export async function exchangeCode(client: RegisteredClient, start: AuthorizationStart, callbackUrl: string) {
  return oidc.authorizationCodeGrant(client.config, new URL(callbackUrl), {
    pkceCodeVerifier: start.verifier,
    expectedState: start.state,
    expectedNonce: start.nonce,
    idTokenExpected: true,
  });
}

/**
 * Signs in, exchanges the code, rotates the refresh token, then presents the rotated-out one again
 * (reuse, refused). Returns every code and token that went over the wire, for scans of the logs.
 */
export async function signInRotateAndReuse(client: RegisteredClient, person: { email: string; password: string }): Promise<string[]> {
  const { start, callback } = await signIn(client, person);
  const tokens = await exchangeCode(client, start, callback.url);
  const rotated = await oidc.refreshTokenGrant(client.config, tokens.refresh_token!);
  await oidc.refreshTokenGrant(client.config, tokens.refresh_token!).catch(() => undefined);
  return [
    new URL(callback.url).searchParams.get('code')!,
    tokens.access_token, tokens.refresh_token!, tokens.id_token!,
    rotated.access_token, rotated.refresh_token!,
  ];
}
