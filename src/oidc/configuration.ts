import { createHash } from 'node:crypto';
import { interactionPolicy, type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import { CLAIMS_BY_SCOPE } from '../accounts/claims.js';
import type { ClaimsMapping } from '../attributes/claims-mapping.js';
import type { AttributeService } from '../attributes/service.js';
import type { AccountService } from '../accounts/service.js';
import type { Config } from '../config/load.js';
import type { RenderPage } from '../http/views.js';
import type { AccessService } from '../rbac/access-service.js';
import type { ResourceService } from '../rbac/resource-service.js';
import type { AdapterFactory } from './adapters/types.js';
import { createFindAccount } from './find-account.js';
import { createProviderPages } from './pages.js';
import { createAuthorizationClaims, RBAC_CLAIMS_BY_SCOPE, RBAC_SCOPES } from './rbac-claims.js';
import { createExtraTokenClaims } from './rbac-tokens.js';
import { createIntrospectionPolicy } from './introspection-policy.js';
import { createResourceServerInfo } from './resource-servers.js';
import { buildInteractionPolicy } from './interaction-policy.js';
import { SUPPORTED_ACR_VALUES, type MfaPolicy } from '../mfa/policy.js';
import { extraClientMetadata } from './verified-email.js';
import { deviceFlowFeature } from './device-flow.js';

export interface ProviderSecrets {
  jwks: JWK[];
  cookieKeys: string[];
  pairwiseSalt: string;
}

export interface ConfigurationDeps {
  mfaPolicy: MfaPolicy;
  config: Config;
  accounts: AccountService;
  resources: ResourceService;
  access: AccessService;
  adapterFactory: AdapterFactory;
  render: RenderPage;
  /** Languages of the hosted pages, listed in discovery as ui_locales_supported. */
  locales?: readonly string[];
  secrets: ProviderSecrets;
  /** Attribute claims per scope (standard and custom scopes), as loaded for this provider. */
  claimsMapping: ClaimsMapping;
  attributes?: AttributeService;
  /** Further login checks (session lifetime policy), run after the MFA check. */
  loginChecks?: InstanceType<typeof interactionPolicy.Check>[];
  /**
   * How the provider fetches a client's jwks_uri: the outbound guard's fetch (docs/security.md,
   * "Outbound requests"), never a plain fetch.
   */
  outboundFetch?: (url: URL | string, init?: RequestInit) => Promise<Response>;
  /** features.dPoP.nonceSecret: 32 bytes, the same on every instance (derived from SERVER_SECRET). */
  dpopNonceSecret?: Buffer;
  /** ttl.Session: how long the store keeps a session from this save on. */
  sessionTtl?: (ctx: KoaContextWithOIDC, session: unknown) => number;
}

/**
 * oidc-provider configured to the security baseline in DESIGN.md: code flow only, PKCE S256 for every
 * client, exact redirect URIs, rotating refresh tokens, RFC 8707 resources with RFC 9068 JWTs,
 * introspection and revocation behind client authentication, RP-initiated logout.
 */
export function buildProviderConfiguration(deps: ConfigurationDeps): Configuration {
  const { config, secrets } = deps;
  const pages = createProviderPages(deps.render);
  const tokens = config.tokens;
  const attributeClaims = deps.attributes
    ? (accountId: string, scope: string | undefined) => deps.attributes!.claimsFor(deps.claimsMapping, accountId, scope)
    : undefined;
  const claims = mergeClaims(CLAIMS_BY_SCOPE, RBAC_CLAIMS_BY_SCOPE, deps.claimsMapping.claimsByScope);

  return {
    // OpenID Connect Discovery 1.0 §3: the languages a ui_locales request can get.
    ...(deps.locales ? { discovery: { ui_locales_supported: [...deps.locales] } } : {}),
    adapter: deps.adapterFactory as unknown as Configuration['adapter'],
    findAccount: createFindAccount(deps.accounts, createAuthorizationClaims(deps.access), attributeClaims),
    jwks: { keys: secrets.jwks },
    cookies: {
      keys: secrets.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies },
      short: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies },
    },
    claims: {
      ...claims,
      // How the user authenticated (OIDC Core §2) goes in every ID token, not only when asked for:
      // relying parties must be able to see whether a second factor was used.
      openid: [...claims.openid, 'acr', 'amr', 'auth_time'],
    },
    // phone, address and custom scopes are offered (and listed in discovery) once attributes back them.
    scopes: [...new Set(['openid', 'offline_access', 'email', 'profile', ...RBAC_SCOPES, ...Object.keys(deps.claimsMapping.claimsByScope)])],
    extraTokenClaims: createExtraTokenClaims(deps.access),
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      createHash('sha256').update(`${client.sectorIdentifier}\0${accountId}\0${secrets.pairwiseSalt}`).digest('base64url'),
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      authorizationSigningAlgValues: ['RS256', 'ES256'],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      requestObjectSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    },
    ...(deps.outboundFetch ? { fetch: deps.outboundFetch as Configuration['fetch'] } : {}),
    features: {
      devInteractions: { enabled: false },
      // RFC 9449. Proofs are single-use through ReplayDetection (replay-detection.ts); a nonce is
      // offered in DPoP-Nonce and accepted by every instance, as the secret is shared. A fresh iat
      // (within oidc-provider's window) is enough without one.
      dPoP: { enabled: true, ...(deps.dpopNonceSecret ? { nonceSecret: deps.dpopNonceSecret } : {}), requireNonce: () => false, allowReplay: false },
      // RFC 9126: stored through the adapters; a client may be made to use it (require_pushed_authorization_requests).
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // RFC 9101: signed request objects only ('none' is not among requestObjectSigningAlgValues).
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      deviceFlow: deviceFlowFeature(deps.render, deps.claimsMapping),
      introspection: {
        enabled: true,
        allowedPolicy: createIntrospectionPolicy(deps.resources),
      },
      revocation: {
        enabled: true,
        // RFC 7009 §2.1: a client may revoke only tokens issued to it.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // OIDC Back-Channel Logout 1.0: registration and discovery from the library; the tokens are
      // queued and sent by src/oidc/backchannel-logout.ts on every way a session ends.
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: createResourceServerInfo(deps, tokens.accessTokenAlg, tokens.accessTokenTtl),
      },
    },
    // Refresh tokens for every client allowed the grant; without offline_access they end with the session.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    revokeGrantPolicy: async () => true,
    conformIdTokenClaims: true,
    interactions: {
      url: async (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}`,
      policy: buildInteractionPolicy({ mfaPolicy: deps.mfaPolicy, accounts: deps.accounts }, deps.loginChecks),
    },
    acrValues: SUPPORTED_ACR_VALUES,
    extraClientMetadata: extraClientMetadata as Configuration['extraClientMetadata'],
    renderError: pages.renderError,
    ttl: {
      AccessToken: tokens.accessTokenTtl,
      AuthorizationCode: 60,
      DeviceCode: 600, // RFC 8628 §3.2 expires_in: ten minutes to type the code and sign in
      ClientCredentials: tokens.accessTokenTtl,
      IdToken: tokens.idTokenTtl,
      Interaction: tokens.interactionTtl,
      Session: deps.sessionTtl ?? tokens.sessionTtl,
      Grant: tokens.refreshTokenTtl,
      RefreshToken: tokens.refreshTokenTtl,
    },
  };
}

function mergeClaims(...sources: Record<string, readonly string[]>[]): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const source of sources) {
    for (const [scope, claims] of Object.entries(source)) merged[scope] = [...new Set([...(merged[scope] ?? []), ...claims])];
  }
  return merged;
}
