import type { AttributeMap, ConnectionKind } from './queries.js';

export interface Preset {
  display_name: string;
  kind: ConnectionKind;
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  scopes: string;
  attribute_map: AttributeMap;
}

/** The OIDC standard claims (Core §5.1): what a generic OpenID Connect provider sends. */
export const OIDC_ATTRIBUTES: Required<AttributeMap> = { subject: 'sub', email: 'email', email_verified: 'email_verified', name: 'name' };

/**
 * Known providers, so that an operator pastes only a client id and secret.
 * GitHub is OAuth 2.0 only: no ID token, no issuer, the user-info document of its REST API. Its
 * `email` field carries no verification flag, so GitHub emails count as unverified: they never link
 * to an existing account by email (docs/federation.md).
 */
export const PRESETS: Record<'google' | 'github', Preset> = {
  google: {
    display_name: 'Google',
    kind: 'oidc',
    issuer: 'https://accounts.google.com',
    scopes: 'openid email profile',
    attribute_map: OIDC_ATTRIBUTES,
  },
  github: {
    display_name: 'GitHub',
    kind: 'oauth2',
    issuer: 'https://github.com/login/oauth',
    authorization_endpoint: 'https://github.com/login/oauth/authorize',
    token_endpoint: 'https://github.com/login/oauth/access_token',
    userinfo_endpoint: 'https://api.github.com/user',
    scopes: 'read:user user:email',
    attribute_map: { subject: 'id', email: 'email', name: 'name' },
  },
};

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
