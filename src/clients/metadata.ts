import type { ClientType } from './queries.js';

/**
 * What each kind of client may do. Web apps and machines are confidential (they hold a secret);
 * browser and native apps are public and rely on PKCE, which the server requires of every client.
 * No type gets the implicit flow or the password grant.
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
    token_endpoint_auth_method: profile.confidential ? 'client_secret_basic' : 'none',
    ...(input.scope ? { scope: input.scope } : {}),
    ...(input.requireVerifiedEmail ? { require_verified_email: true } : {}),
    ...(input.defaultMaxAge !== undefined ? { default_max_age: input.defaultMaxAge } : {}),
  };
}
