import * as oidc from 'openid-client';
import { AppError, unavailable } from '../errors/app-error.js';
import { isDestinationRefused } from '../outbound/guard.js';
import type { ConnectionRow } from './queries.js';

/** What this server learned about the person from the upstream, after every check passed. */
export interface UpstreamProfile {
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
  groups: string[];
  amr: string[];
  acr?: string;
}

/** One authorization request's secrets, kept server-side until the callback. */
export interface UpstreamChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The upstream refused or failed (its `error`), or its answer did not pass our checks. */
export class UpstreamError extends Error {
  constructor(
    readonly reason: 'upstream_error' | 'verification_failed' | 'profile_incomplete',
    message: string,
    readonly upstreamError?: { error: string; description?: string },
  ) {
    super(message);
  }
}

const DISCOVERY_CACHE_MS = 10 * 60_000;

function readPath(claims: Record<string, unknown>, path: string | undefined | null): unknown {
  if (!path) return undefined;
  let value: unknown = claims;
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : typeof value === 'number' ? String(value) : undefined);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(text).filter((item): item is string => Boolean(item)) : text(value)?.split(' ') ?? []);

/** Maps upstream claims to a profile through the connection's attribute and group settings. */
export function profileFromClaims(connection: ConnectionRow, claims: Record<string, unknown>): UpstreamProfile {
  const map = connection.attribute_map;
  const subject = text(readPath(claims, map.subject ?? 'sub'));
  if (!subject) throw new UpstreamError('profile_incomplete', `the upstream sent no ${map.subject ?? 'sub'} to identify the user`);
  const verified = readPath(claims, map.email_verified);
  return {
    subject,
    email: text(readPath(claims, map.email))?.toLowerCase(),
    // Some providers send "true" as a string; anything else, or no mapping at all, is unverified.
    emailVerified: verified === true || verified === 'true',
    name: text(readPath(claims, map.name)),
    groups: list(readPath(claims, connection.groups_claim)),
    amr: list(claims.amr),
    acr: text(claims.acr),
  };
}

/** A request that got no answer, or that the outbound guard refused: nothing the upstream said. */
function isNetworkFailure(error: unknown): boolean {
  return isDestinationRefused(error) || (error instanceof TypeError && error.message === 'fetch failed');
}

/** The provider did not answer (discovery, token endpoint): a 503 whose text names it, never the network error. */
const unreachable = (connection: ConnectionRow, error: unknown) =>
  unavailable(`${connection.display_name} cannot be reached right now. Try again in a moment.`, error, { key: 'error.upstreamUnreachable', values: { provider: connection.display_name } });

/**
 * Every request to an upstream goes through openid-client: discovery, the authorization URL (PKCE
 * S256, state, nonce), the code exchange with RFC 9207 `iss` checking where the provider announces
 * it, full ID token validation (signature, issuer, audience, expiry, nonce), and user-info. Its
 * requests (discovery, JWKS, token, user-info) go through the outbound guard's fetch: public
 * addresses only, unless OUTBOUND_ALLOWED_HOSTS names them.
 */
export function createUpstreamClient(deps: { clientSecretOf: (connection: ConnectionRow) => string | undefined; fetch: (url: string, init: RequestInit) => Promise<Response> }) {
  const cache = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();
  const customFetch: oidc.CustomFetch = (url, options) => deps.fetch(url, options as RequestInit);

  async function build(connection: ConnectionRow): Promise<oidc.Configuration> {
    const secret = deps.clientSecretOf(connection);
    const auth = secret ? oidc.ClientSecretPost(secret) : oidc.None();
    const execute = connection.issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [];
    if (connection.kind === 'oidc') return oidc.discovery(new URL(connection.issuer), connection.client_id, undefined, auth, { execute, [oidc.customFetch]: customFetch });
    const config = new oidc.Configuration(
      {
        issuer: connection.issuer,
        authorization_endpoint: connection.authorization_endpoint!,
        token_endpoint: connection.token_endpoint!,
        userinfo_endpoint: connection.userinfo_endpoint!,
      },
      connection.client_id,
      undefined,
      auth,
    );
    config[oidc.customFetch] = customFetch;
    if ([connection.authorization_endpoint, connection.token_endpoint, connection.userinfo_endpoint].some((url) => url?.startsWith('http:'))) {
      oidc.allowInsecureRequests(config);
    }
    return config;
  }

  async function configFor(connection: ConnectionRow): Promise<oidc.Configuration> {
    const key = `${connection.id}:${new Date(connection.updated_at).getTime()}`;
    const cached = cache.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_CACHE_MS) return cached.config;
    const entry = { at: Date.now(), config: build(connection) };
    cache.set(key, entry);
    try {
      return await entry.config;
    } catch (error) {
      cache.delete(key);
      throw unreachable(connection, error);
    }
  }

  return {
    newChecks: (): UpstreamChecks => ({ state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() }),

    async authorizationUrl(connection: ConnectionRow, checks: UpstreamChecks, redirectUri: string, loginHint?: string): Promise<URL> {
      const config = await configFor(connection);
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: connection.scopes,
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        ...(loginHint ? { login_hint: loginHint } : {}),
      });
    },

    /** Validates the callback and redeems the code; throws UpstreamError for anything not accepted. */
    async complete(connection: ConnectionRow, checks: UpstreamChecks, callback: URL): Promise<UpstreamProfile> {
      const config = await configFor(connection);
      let claims: Record<string, unknown>;
      try {
        const isOidc = connection.kind === 'oidc';
        const tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          ...(isOidc ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
        });
        if (isOidc) {
          const idClaims = tokens.claims()!;
          const userinfo = config.serverMetadata().userinfo_endpoint ? await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub) : {};
          // The ID token is the signed statement: where both carry a claim, the ID token's wins.
          claims = { ...userinfo, ...idClaims };
        } else {
          const response = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(connection.userinfo_endpoint!), 'GET', undefined, new Headers({ accept: 'application/json' }));
          if (!response.ok) throw new Error(`the user-info endpoint answered ${response.status}`);
          claims = (await response.json()) as Record<string, unknown>;
        }
      } catch (error) {
        if (error instanceof oidc.AuthorizationResponseError) {
          throw new UpstreamError('upstream_error', `${connection.display_name} answered ${error.error}`, {
            error: error.error.slice(0, 100),
            description: error.error_description?.slice(0, 300),
          });
        }
        if (error instanceof AppError) throw error;
        // No network error text reaches the page or the audit trail: it would map internal networks.
        if (isNetworkFailure(error)) throw unreachable(connection, error);
        // openid-client's own message is generic; its cause says which check failed (iss, nonce, …).
        const cause = (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
        throw new UpstreamError('verification_failed', `${(error as Error).message}${cause}`.slice(0, 300));
      }
      return profileFromClaims(connection, claims);
    },
  };
}

export type UpstreamClient = ReturnType<typeof createUpstreamClient>;
