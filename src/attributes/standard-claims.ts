import type { AttributeType } from './schema.js';

/**
 * Attributes named after a standard claim (OIDC Core §5.1) are released under the claim's standard
 * scope (§5.4) and must have the claim's type. The members of the Address Claim (§5.1.1) are
 * attributes of their own (`street_address`, `locality`, …; `address` itself is the formatted
 * address) and are released together as the one `address` claim.
 */
export const STANDARD_ATTRIBUTES: Record<string, { scope: 'profile' | 'phone' | 'address'; types: AttributeType[] }> = {
  given_name: { scope: 'profile', types: ['string'] },
  family_name: { scope: 'profile', types: ['string'] },
  middle_name: { scope: 'profile', types: ['string'] },
  nickname: { scope: 'profile', types: ['string'] },
  preferred_username: { scope: 'profile', types: ['string'] },
  profile: { scope: 'profile', types: ['string'] },
  picture: { scope: 'profile', types: ['string'] },
  website: { scope: 'profile', types: ['string'] },
  gender: { scope: 'profile', types: ['string', 'enum'] },
  birthdate: { scope: 'profile', types: ['date'] },
  zoneinfo: { scope: 'profile', types: ['string', 'enum'] },
  locale: { scope: 'profile', types: ['string', 'enum'] },
  phone_number: { scope: 'phone', types: ['string'] },
  phone_number_verified: { scope: 'phone', types: ['boolean'] },
  address: { scope: 'address', types: ['string'] },
  street_address: { scope: 'address', types: ['string'] },
  locality: { scope: 'address', types: ['string', 'enum'] },
  region: { scope: 'address', types: ['string', 'enum'] },
  postal_code: { scope: 'address', types: ['string'] },
  country: { scope: 'address', types: ['string', 'enum'] },
};

/** Address Claim members (OIDC Core §5.1.1) by the attribute that holds them. */
export const ADDRESS_MEMBERS: Record<string, string> = {
  address: 'formatted',
  street_address: 'street_address',
  locality: 'locality',
  region: 'region',
  postal_code: 'postal_code',
  country: 'country',
};

/**
 * Names an attribute may not take: claims the server sets from the account itself or from the
 * protocol (ID token and JWT access token claims), which an attribute must never override.
 */
export const RESERVED_CLAIM_NAMES = new Set([
  'sub', 'name', 'email', 'email_verified', 'updated_at', 'groups', 'roles', 'permissions',
  'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'azp', 'acr', 'amr', 'auth_time', 'at_hash', 'c_hash', 's_hash',
  'sid', 'client_id', 'scope', 'cnf', 'formatted',
]);

/** Scopes the server defines itself; a custom scope may not take their names. */
export const RESERVED_SCOPE_NAMES = new Set(['openid', 'offline_access', 'email', 'profile', 'phone', 'address', 'groups', 'roles']);
