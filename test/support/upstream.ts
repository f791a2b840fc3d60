import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { listenOnFreePort } from './server.js';
import type { UserAgent } from './user-agent.js';

export interface UpstreamUser {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

/** Hands the requests of a listener bound beforehand (port 0, so the issuer could name its port) to a handler. */
function serveOn(listener: Server, handler: (req: IncomingMessage, res: ServerResponse) => unknown): Server {
  return listener.on('request', handler);
}
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * A real OpenID Connect provider (oidc-provider, in memory) as the upstream. Its login page signs in
 * whoever `next` names at once (or answers access_denied), so tests choose the upstream identity.
 */
export async function startUpstreamOidc(options: { clientId: string; clientSecret: string; redirectUris: string[] }) {
  const { listener, port } = await listenOnFreePort();
  const issuer = `http://127.0.0.1:${port}`;
  const users = new Map<string, UpstreamUser>();
  const state: { next: { sub: string; amr?: string[]; acr?: string } | { error: string } } = { next: { error: 'access_denied' } };
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'upstream-key', alg: 'RS256', use: 'sig' };
  // oidc-provider warns once that its memory adapter is for development: that is what this upstream is.
  const warn = console.warn;
  console.warn = () => undefined;
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, ...users.get(sub) }) }),
    claims: { openid: ['sub', 'groups', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'] },
    acrValues: ['urn:upstream:pwd', 'http://schemas.openid.net/pape/policies/2007/06/multi-factor'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: async (_ctx, interaction) => `/login/${interaction.uid}` },
    cookies: { keys: ['upstream-test-cookie-key'] },
  });
  console.warn = warn;
  const callback = provider.callback();
  const server = serveOn(listener, async (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/login/')) return callback(req, res);
    const details = await provider.interactionDetails(req, res);
    const next = state.next;
    if ('error' in next) {
      await provider.interactionFinished(req, res, { error: next.error, error_description: 'The user declined' });
      return;
    }
    const grant = new provider.Grant({ accountId: next.sub, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    await provider.interactionFinished(req, res, {
      login: { accountId: next.sub, amr: next.amr, acr: next.acr },
      consent: { grantId: await grant.save() },
    });
  });
  return {
    issuer,
    users,
    /** Who signs in at the next upstream login, or which error it answers. */
    signInAs(sub: string, extra: { amr?: string[]; acr?: string } = {}) {
      state.next = { sub, ...extra };
    },
    refuse(error = 'access_denied') {
      state.next = { error };
    },
    close: () => close(server),
  };
}

/**
 * A small OAuth 2.0 server in GitHub's shape: /login/oauth/authorize, /login/oauth/access_token
 * (JSON when asked), /user. It checks PKCE S256, the redirect URI and the client secret, and keeps
 * what it saw for the test to inspect.
 */
export async function startOAuthStub(options: { clientId: string; clientSecret: string }) {
  const { listener, port } = await listenOnFreePort();
  const base = `http://127.0.0.1:${port}`;
  const codes = new Map<string, { challenge: string; redirectUri: string; user: string }>();
  const tokens = new Map<string, string>();
  const users = new Map<string, Record<string, unknown>>();
  const seen: { authorize: Record<string, string>[]; token: Record<string, string>[] } = { authorize: [], token: [] };
  const control = { user: '', deny: false };
  const server = serveOn(listener, async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/login/oauth/authorize') {
      const params = Object.fromEntries(url.searchParams);
      seen.authorize.push(params);
      const back = new URL(params.redirect_uri);
      back.searchParams.set('state', params.state ?? '');
      if (control.deny || params.client_id !== options.clientId) back.searchParams.set('error', 'access_denied');
      else {
        const code = randomBytes(16).toString('hex');
        codes.set(code, { challenge: params.code_challenge, redirectUri: params.redirect_uri, user: control.user });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = Object.fromEntries(new URLSearchParams(raw));
      seen.token.push(form);
      const grant = codes.get(form.code);
      codes.delete(form.code);
      const verifierHash = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
      if (!grant || grant.redirectUri !== form.redirect_uri || grant.challenge !== verifierHash || form.client_secret !== options.clientSecret) {
        return json(400, { error: 'invalid_grant' });
      }
      const token = randomBytes(16).toString('hex');
      tokens.set(token, grant.user);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
    }
    if (url.pathname === '/user') {
      const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''));
      return user ? json(200, users.get(user)) : json(401, { message: 'Bad credentials' });
    }
    json(404, { message: 'Not Found' });
  });
  return { base, users, seen, control, close: () => close(server) };
}

/** Points an agent at a new stopping place (to intercept a redirect), keeping its cookies. */
export function stopAgentAt(agent: UserAgent, url: string | undefined): UserAgent {
  (agent as unknown as { stopAt?: string }).stopAt = url;
  return agent;
}
