import type { Request } from 'autocannon';
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { authorizationUrl, Browser, codeExchangeBody, fullFlow, newPkce, silentFlow } from './lib/browser-flow.js';
import { basicAuth, BENCH_RESOURCES, type Target } from './lib/fixtures.js';
import type { LoadSpec } from './lib/load.js';

const FORM = 'application/x-www-form-urlencoded';

/** A load scenario: how to prepare it on one server, and the requests to repeat. */
export interface Scenario {
  id: string;
  title: string;
  /** Paired scenarios run against both servers and are judged by the ratio ours / baseline. */
  paired: boolean;
  unit: 'req/s' | 'flows/s' | 'checks/s';
  /** Called once per server before the first pass; returns the load to apply. */
  prepare(target: Target, state: TargetState): Promise<LoadSpec>;
  /** Called before every pass (refills pools). */
  beforePass?(target: Target, state: TargetState): Promise<void>;
}

/** Per-server state that outlives one scenario: a signed-in browser, the refresh-token pool. */
export interface TargetState {
  browser?: Browser;
  refreshTokens: string[];
  connections: number;
}

const tokenRequest = (target: Target, body: Record<string, string>, client = target.machine): Request & { expect: number[] } => ({
  method: 'POST',
  path: '/token',
  headers: { authorization: basicAuth(client), 'content-type': FORM },
  body: new URLSearchParams(body).toString(),
  expect: [200],
});

export async function clientCredentialsToken(target: Target, resource: string, scope = 'read'): Promise<string> {
  const response = await fetch(`${target.origin}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(target.machine), 'content-type': FORM },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
  });
  const json = (await response.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`${target.name}: no client-credentials token for ${resource}: ${JSON.stringify(json)}`);
  return json.access_token;
}

async function signedIn(target: Target, state: TargetState): Promise<Browser> {
  state.browser ??= (await fullFlow(target)).browser;
  return state.browser;
}

const clientCredentials = (id: string, alg: 'es256' | 'rs256'): Scenario => ({
  id,
  title: `client credentials, JWT access token, ${alg.toUpperCase()}`,
  paired: true,
  unit: 'req/s',
  prepare: async (target) => ({ requests: [tokenRequest(target, { grant_type: 'client_credentials', resource: target.resources[alg], scope: 'read' })] }),
});

export const CC_ES256 = clientCredentials('cc-jwt-es256', 'es256');
export const CC_RS256 = clientCredentials('cc-jwt-rs256', 'rs256');

export const CC_OPAQUE: Scenario = {
  id: 'cc-opaque',
  title: 'client credentials, opaque access token',
  paired: true,
  unit: 'req/s',
  prepare: async (target) => ({ requests: [tokenRequest(target, { grant_type: 'client_credentials', resource: target.resources.opaque, scope: 'read' })] }),
};

export const INTROSPECTION: Scenario = {
  id: 'introspection',
  title: 'introspection of an opaque access token',
  paired: true,
  unit: 'req/s',
  async prepare(target) {
    const token = await clientCredentialsToken(target, target.resources.opaque);
    let inactive = 0;
    return {
      requests: [
        {
          method: 'POST',
          path: '/token/introspection',
          headers: { authorization: basicAuth(target.machine), 'content-type': FORM },
          body: new URLSearchParams({ token }).toString(),
          expect: [200],
          onResponse: (_status, body) => {
            if (!body.includes('"active":true') && (inactive += 1) === 1) process.stderr.write(`  ${target.name}: introspection said ${body}\n`);
          },
        },
      ],
    };
  },
};

/**
 * Refresh with rotation: every response brings the next refresh token. Tokens come from a pool
 * shared by the connections (one in flight per connection), filled from prompt=none flows of one
 * signed-in session, so seeding costs no password hash.
 */
export const REFRESH: Scenario = {
  id: 'refresh-rotation',
  title: 'refresh-token grant with rotation',
  paired: true,
  unit: 'req/s',
  async beforePass(target, state) {
    const browser = await signedIn(target, state);
    while (state.refreshTokens.length < state.connections * 2) {
      const tokens = await silentFlow(target, browser);
      state.refreshTokens.push(String(tokens.refresh_token));
    }
  },
  async prepare(target, state) {
    return {
      requests: [
        {
          ...tokenRequest(target, {}, target.web),
          setupRequest(request, context) {
            const token = state.refreshTokens.pop();
            if (!token) throw new Error('refresh-token pool is empty');
            context.token = token;
            return { ...request, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString() };
          },
          onResponse(status, body) {
            if (status === 200) state.refreshTokens.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
          },
        },
      ],
    };
  },
};

/** prompt=none with a signed-in session: authorize (303 with a code), then the code exchange. */
export const SILENT: Scenario = {
  id: 'silent-reauth',
  title: 'prompt=none silent re-authorization (authorize + code exchange)',
  paired: true,
  unit: 'flows/s',
  async prepare(target, state) {
    const browser = await signedIn(target, state);
    const pkce = newPkce();
    const authorize = new URL(authorizationUrl(target, pkce, { prompt: 'none' }));
    return {
      requestsPerUnit: 2,
      requests: [
        {
          method: 'GET',
          path: authorize.pathname + authorize.search,
          headers: { cookie: browser.cookieHeader() },
          expect: [303],
          onResponse(_status, _body, context, headers) {
            const name = Object.keys(headers).find((key) => key.toLowerCase() === 'location');
            const location = name ? String(headers[name]) : '';
            context.code = /[?&]code=([^&]+)/.exec(location)?.[1];
          },
        },
        {
          ...tokenRequest(target, {}, target.web),
          setupRequest(request, context) {
            return { ...request, body: codeExchangeBody(decodeURIComponent(String(context.code)), pkce) };
          },
        },
      ],
    };
  },
};

/**
 * The check endpoint has no counterpart in the bare library; its baseline is a fixed JSON answer
 * straight from node:http (the machine's HTTP ceiling with this load generator), for scale.
 */
export const CHECK: Scenario = {
  id: 'permission-check',
  title: 'permission check endpoint (single check, warm; baseline: node:http fixed answer)',
  paired: true,
  unit: 'checks/s',
  async prepare(target) {
    if (!target.check) return { requests: [{ method: 'GET', path: '/bench/noop', expect: [200] }] };
    const check = target.check;
    const token = await clientCredentialsToken(target, check.audience, 'authz:check');
    let denied = 0;
    return {
      requests: [
        {
          method: 'POST',
          path: '/api/authz/check',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ subject: check.subject, permission: check.permission, resource: check.resource }),
          expect: [200],
          onResponse: (_status, body) => {
            if (!body.includes('"allowed":true') && (denied += 1) === 1) process.stderr.write(`  check said ${body}\n`);
          },
        },
      ],
    };
  },
};

/**
 * DPoP proofs are single-use and autocannon's setupRequest is synchronous, so each pass signs a pool
 * of proofs ahead (one per request; more than a pass on this machine sends) for one method and URL.
 */
const DPOP_POOL = 12_000;
interface DpopSigner { privateKey: CryptoKey; jwk: JWK }
const dpopSigner = async (): Promise<DpopSigner> => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: await exportJWK(publicKey) };
};
async function fillProofs(pool: string[], signer: DpopSigner, htm: string, htu: string, accessToken?: string): Promise<void> {
  const ath = accessToken ? createHash('sha256').update(accessToken).digest('base64url') : undefined;
  pool.length = 0;
  while (pool.length < DPOP_POOL) {
    pool.push(await new SignJWT({ htm, htu, jti: randomUUID(), ...(ath ? { ath } : {}) }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: signer.jwk }).setIssuedAt().sign(signer.privateKey));
  }
}
/** Puts the next proof (and, for a resource, the token the pool's proofs were made for) on the request. */
const withProof = (pool: string[], accessToken?: () => string | undefined) => (request: Request) => {
  const proof = pool.pop();
  if (!proof) throw new Error('DPoP proof pool is empty');
  const token = accessToken?.();
  return { ...request, headers: { ...request.headers, dpop: proof, ...(token ? { authorization: `DPoP ${token}` } : {}) } };
};

/** Client credentials with a DPoP proof: a sender-constrained JWT access token (proof checked, jti recorded). */
export const DPOP_TOKEN = ((): Scenario => {
  const pools = new Map<string, string[]>();
  return {
    id: 'dpop-token',
    title: 'DPoP-bound token issuance (client credentials + proof, replay check)',
    paired: true,
    unit: 'req/s',
    async beforePass(target) {
      const pool = pools.get(target.name) ?? [];
      pools.set(target.name, pool);
      await fillProofs(pool, await dpopSigner(), 'POST', `${target.origin}/token`);
    },
    async prepare(target) {
      const pool = pools.get(target.name)!;
      return { requests: [{ ...tokenRequest(target, { grant_type: 'client_credentials', resource: target.resources.es256, scope: 'read' }), setupRequest: withProof(pool) }] };
    },
  };
})();

/** Userinfo with a DPoP-bound access token (from a refresh with a proof): proof, binding and replay check on each call. */
export const DPOP_USERINFO = ((): Scenario => {
  const pools = new Map<string, string[]>();
  const tokens = new Map<string, string>();
  return {
    id: 'dpop-userinfo',
    title: 'userinfo with a DPoP-bound access token',
    paired: true,
    unit: 'req/s',
    async beforePass(target) {
      const signer = await dpopSigner();
      // A sign-in of its own: the session the earlier scenarios share may have been ended by them
      // (the baseline answered prompt=none with login_required after the silent-flow scenario).
      const { browser } = await fullFlow(target);
      const { refresh_token: refreshToken } = await silentFlow(target, browser);
      const response = await fetch(`${target.origin}/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(target.web), 'content-type': FORM, dpop: await new SignJWT({ htm: 'POST', htu: `${target.origin}/token`, jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: signer.jwk }).setIssuedAt().sign(signer.privateKey) },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(refreshToken) }),
      });
      const json = (await response.json()) as { access_token?: string; token_type?: string };
      if (json.token_type !== 'DPoP' || !json.access_token) throw new Error(`${target.name}: no DPoP-bound token: ${JSON.stringify(json)}`);
      tokens.set(target.name, json.access_token);
      const pool = pools.get(target.name) ?? [];
      pools.set(target.name, pool);
      await fillProofs(pool, signer, 'GET', `${target.origin}/me`, json.access_token);
    },
    async prepare(target) {
      const pool = pools.get(target.name)!;
      return { requests: [{ method: 'GET', path: '/me', headers: {}, expect: [200], setupRequest: withProof(pool, () => tokens.get(target.name)) }] };
    },
  };
})();

export const RESOURCES = BENCH_RESOURCES;
