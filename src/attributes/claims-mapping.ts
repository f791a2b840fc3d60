import { createHash } from 'node:crypto';
import type { AttributeDefinition, AttributeValue } from './schema.js';
import { ADDRESS_MEMBERS, STANDARD_ATTRIBUTES } from './standard-claims.js';

export interface ClaimScope {
  name: string;
  description: string | null;
  /** Attribute names released under this scope. */
  claims: string[];
}

/**
 * Which attribute claims each scope releases, as oidc-provider's `claims` and `scopes` settings need
 * them. oidc-provider reads those once, at construction, so the provider holder rebuilds the
 * provider when `fingerprint` changes.
 */
export interface ClaimsMapping {
  /** Scope → claim names (attribute claims only; the account's own claims are configured apart). */
  claimsByScope: Record<string, string[]>;
  /** Custom scopes, in name order, with their descriptions (for discovery and the consent page). */
  customScopes: ClaimScope[];
  /** Claim → what a person calls it (the attribute's label, or its name). */
  labels: Record<string, string>;
  fingerprint: string;
}

export const EMPTY_CLAIMS_MAPPING: ClaimsMapping = { claimsByScope: {}, customScopes: [], labels: {}, fingerprint: 'empty' };

/** The claim an attribute becomes: its own name, except the Address Claim members, which make up `address`. */
export const claimOf = (attribute: string) => (ADDRESS_MEMBERS[attribute] ? 'address' : attribute);

export function buildClaimsMapping(definitions: AttributeDefinition[], scopes: ClaimScope[]): ClaimsMapping {
  const known = new Set(definitions.map((definition) => definition.name));
  const claimsByScope: Record<string, string[]> = {};
  const add = (scope: string, claim: string) => {
    claimsByScope[scope] = [...new Set([...(claimsByScope[scope] ?? []), claim])];
  };
  const labels: Record<string, string> = {};
  for (const definition of [...definitions].sort((a, b) => a.name.localeCompare(b.name))) {
    const standard = STANDARD_ATTRIBUTES[definition.name];
    if (standard) add(standard.scope, claimOf(definition.name));
    labels[claimOf(definition.name)] = ADDRESS_MEMBERS[definition.name] ? 'address' : (definition.label ?? definition.name);
  }
  const customScopes = [...scopes]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((scope) => ({ ...scope, claims: scope.claims.filter((claim) => known.has(claim)).sort() }));
  for (const scope of customScopes) {
    claimsByScope[scope.name] ??= [];
    for (const claim of scope.claims) add(scope.name, claimOf(claim));
  }
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ claimsByScope, customScopes, labels }))
    .digest('base64url')
    .slice(0, 22);
  return { claimsByScope, customScopes, labels, fingerprint };
}

/**
 * The attribute claims of an account for the granted scopes: a claim is present only when a granted
 * scope releases it. The Address Claim is assembled from its member attributes (OIDC Core §5.1.1).
 */
export function attributeClaims(mapping: ClaimsMapping, values: Record<string, AttributeValue>, scope: string | undefined): Record<string, unknown> {
  const released = new Set<string>();
  for (const granted of (scope ?? '').split(' ')) for (const claim of mapping.claimsByScope[granted] ?? []) released.add(claim);
  const claims: Record<string, unknown> = {};
  const address: Record<string, unknown> = {};
  for (const [attribute, value] of Object.entries(values)) {
    const member = ADDRESS_MEMBERS[attribute];
    if (member) {
      if (released.has('address')) address[member] = value;
    } else if (released.has(attribute)) {
      claims[attribute] = value;
    }
  }
  if (Object.keys(address).length) claims.address = address;
  return claims;
}
