import type { ClientJwks } from './client-keys.js';
import type { ClientType } from './queries.js';

/**
 * How a confidential client proves itself at the token, introspection and revocation endpoints.
 * A client registered for private_key_jwt is refused with its secret (oidc-provider accepts only the
 * registered method); client_secret_jwt is not offered since secrets are stored hashed.
 */
export const CONFIDENTIAL_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type ConfidentialAuthMethod = (typeof CONFIDENTIAL_AUTH_METHODS)[number];

/** RFC 8628 §3.4: the grant type a device client polls the token endpoint with. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * What each kind of client may do. Web apps and machines are confidential (they hold a secret);
 * browser and native apps are public and rely on PKCE, which the server requires of every client.
 * Device clients (TVs, command-line tools) are public too and sign people in through the device
 * authorization grant (RFC 8628): the person approves on another screen, so there is no redirect URI
 * and no authorization code (PKCE applies to the code flow only). No type gets the implicit flow or
 * the password grant.
 */
export const CLIENT_TYPE_PROFILES: Record<ClientType, {
  confidential: boolean;
  grantTypes: string[];
  responseTypes: string[];
  applicationType: 'web' | 'native';
  needsRedirectUri: boolean;
}> = {
  web: { confidential: true, grantTypes: ['authorization_code', 'refresh_token'], responseTypes: ['code'], applicationType: 'web', needsRedirectUri: true },
  spa: { confidential: false, grantTypes: ['authorization_code', 'refresh_token'], responseTypes: ['code'], applicationType: 'web', needsRedirectUri: true },
  native: { confidential: false, grantTypes: ['authorization_code', 'refresh_token'], responseTypes: ['code'], applicationType: 'native', needsRedirectUri: true },
  machine: { confidential: true, grantTypes: ['client_credentials'], responseTypes: [], applicationType: 'web', needsRedirectUri: false },
  device: { confidential: false, grantTypes: [DEVICE_CODE_GRANT, 'refresh_token'], responseTypes: [], applicationType: 'native', needsRedirectUri: false },
};

export interface ClientRegistration {
  name: string;
  type: ClientType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  scope?: string;
  /** Sign-in to this client completes only for accounts with a verified email (docs/accounts.md). */
  requireVerifiedEmail?: boolean;
  /** OIDC Registration `default_max_age`: sign-ins older than this (seconds) must sign in again here. */
  defaultMaxAge?: number;
  /** Confidential clients only; client_secret_basic when not given. private_key_jwt needs keys. */
  authMethod?: ConfidentialAuthMethod;
  /** The client's public keys (RFC 7591 `jwks`), for private_key_jwt and signed request objects. */
  jwks?: ClientJwks;
  /** Where the client publishes its public keys instead (RFC 7591 `jwks_uri`); fetched through the outbound guard. */
  jwksUri?: string;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: tokens only against a DPoP proof. */
  requireDpop?: boolean;
  /** RFC 9126 §6 `require_pushed_authorization_requests`: authorization requests only by reference to a pushed one. */
  requirePar?: boolean;
  /** OIDC Back-Channel Logout 1.0 §2.2: where this client receives logout tokens when a session ends. */
  backchannelLogoutUri?: string;
  /** …and whether each logout token must carry the session's `sid` (otherwise only `sub`). */
  backchannelLogoutSessionRequired?: boolean;
  /** OIDC Registration §2: the client's logo, privacy policy and terms, shown on its login and consent pages. */
  logoUri?: string;
  policyUri?: string;
  tosUri?: string;
}

/** Builds the registered metadata (RFC 7591 names) stored with the client. */
export function buildClientMetadata(input: ClientRegistration): Record<string, unknown> {
  const profile = CLIENT_TYPE_PROFILES[input.type];
  return {
    client_name: input.name,
    application_type: profile.applicationType,
    grant_types: profile.grantTypes,
    response_types: profile.responseTypes,
    redirect_uris: input.redirectUris,
    post_logout_redirect_uris: input.postLogoutRedirectUris,
    token_endpoint_auth_method: profile.confidential ? (input.authMethod ?? 'client_secret_basic') : 'none',
    ...(input.jwks ? { jwks: input.jwks } : {}),
    ...(input.jwksUri ? { jwks_uri: input.jwksUri } : {}),
    ...(input.requireDpop ? { dpop_bound_access_tokens: true } : {}),
    ...(input.requirePar ? { require_pushed_authorization_requests: true } : {}),
    ...(input.backchannelLogoutUri ? { backchannel_logout_uri: input.backchannelLogoutUri } : {}),
    ...(input.backchannelLogoutUri && input.backchannelLogoutSessionRequired ? { backchannel_logout_session_required: true } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
    ...(input.requireVerifiedEmail ? { require_verified_email: true } : {}),
    ...(input.defaultMaxAge !== undefined ? { default_max_age: input.defaultMaxAge } : {}),
    ...(input.logoUri ? { logo_uri: input.logoUri } : {}),
    ...(input.policyUri ? { policy_uri: input.policyUri } : {}),
    ...(input.tosUri ? { tos_uri: input.tosUri } : {}),
  };
}
