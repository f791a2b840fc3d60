import { msg, type Msg, type Text } from '../i18n/catalogs.js';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { CLAIMS_BY_SCOPE } from '../accounts/claims.js';
import type { ClaimsMapping } from '../attributes/claims-mapping.js';
import { RBAC_CLAIMS_BY_SCOPE } from '../oidc/rbac-claims.js';
import { AUDIENCE_ONLY } from '../oidc/resource-consent.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
  /** APIs requested with no scope on them that the grant has not seen (oidc/resource-consent.ts). */
  missingResources?: string[];
}

/**
 * The consent page speaks to people, not developers: each scope is shown as what it lets the app do
 * (the claims behind it are in accounts/claims.ts). A scope without an entry is shown by its name.
 * `openid` is left out: signing in to the app is what the whole page is about.
 */
const DESCRIBED_SCOPES = new Set(['email', 'profile', 'offline_access', 'phone', 'address']);

/**
 * What a scope lets the app see, as a message (catalog keys consent.scope.*). Scopes that release
 * profile attributes name every claim they release (a claim is released only if the consent page
 * named it): "See your name: Given name, Locale". A custom scope's description is the operator's text.
 */
export function describeScope(scope: string, mapping?: ClaimsMapping): Msg {
  const custom = mapping?.customScopes.find((entry) => entry.name === scope);
  const base: Msg = custom?.description
    ? msg('consent.scopeDescribed', { description: custom.description })
    : DESCRIBED_SCOPES.has(scope) && !custom ? msg(`consent.scope.${scope}`) : msg('consent.scopeNamed', { scope });
  const claims = (mapping?.claimsByScope[scope] ?? []).map((claim) => mapping!.labels[claim] ?? claim);
  return claims.length && scope !== 'address' ? msg('consent.scopeWithClaims', { scope: base, claims: claims.join(', ') }) : base;
}

/** What people call the claims the server itself releases (consent.claim.*); attribute claims use their labels. */
const LABELLED_CLAIMS = new Set(['email', 'email_verified', 'name', 'updated_at', 'groups', 'roles']);
const claimLabel = (claim: string, mapping?: ClaimsMapping): Text => mapping?.labels[claim] ?? (LABELLED_CLAIMS.has(claim) ? msg(`consent.claim.${claim}`) : msg('consent.scopeNamed', { scope: claim }));

/** The claims a scope releases, whichever table declares them. */
function claimsOfScope(scope: string, mapping?: ClaimsMapping): readonly string[] {
  const tables = [CLAIMS_BY_SCOPE, RBAC_CLAIMS_BY_SCOPE, mapping?.claimsByScope ?? {}] as Record<string, readonly string[]>[];
  return scope === 'openid' ? [] : tables.flatMap((table) => table[scope] ?? []);
}

/** Every API the request names, with or without scopes on it. */
export function requestedApis(interaction: Interaction): string[] {
  const details = interaction.prompt.details as ConsentDetails;
  return [...new Set([...Object.keys(details.missingResourceScopes ?? {}), ...(details.missingResources ?? [])])];
}

/**
 * What the consent page lists: the scopes, individually requested claims (the `claims` parameter,
 * OIDC Core §5.5) and APIs still missing from the account's grant. Rule: nothing is released that
 * the page did not name, so a claim asked for on its own is listed unless a listed scope covers it.
 */
export function describeConsent(interaction: Interaction, mapping?: ClaimsMapping): { scopes: Msg[]; claims: Text[]; resources: string[] } {
  const details = interaction.prompt.details as ConsentDetails;
  const scopes = (details.missingOIDCScope ?? []).filter((scope) => scope !== 'openid');
  const covered = new Set(scopes.flatMap((scope) => claimsOfScope(scope, mapping)));
  const withScopes = details.missingResourceScopes ?? {};
  return {
    scopes: scopes.map((scope) => describeScope(scope, mapping)),
    claims: (details.missingOIDCClaims ?? []).filter((claim) => !covered.has(claim)).map((claim) => claimLabel(claim, mapping)),
    resources: requestedApis(interaction).map((resource) => (withScopes[resource]?.length ? `${resource} (${withScopes[resource].join(', ')})` : resource)),
  };
}

/** Adds everything the request asks for to the account's grant for this client and saves it. */
export async function grantRequestedAccess(provider: Provider, interaction: Interaction): Promise<InteractionResults> {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new Error('consent without a signed-in account');
  const clientId = String(interaction.params.client_id);
  const grant = interaction.grantId
    ? ((await provider.Grant.find(interaction.grantId)) ?? new provider.Grant({ accountId, clientId }))
    : new provider.Grant({ accountId, clientId });
  const details = interaction.prompt.details as ConsentDetails;
  if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  // An API allowed with no scope: the grant remembers it, so the page does not ask again.
  for (const indicator of details.missingResources ?? []) {
    if (!details.missingResourceScopes?.[indicator]?.length) grant.addResourceScope(indicator, AUDIENCE_ONLY);
  }
  const grantId = await grant.save();
  return { consent: { grantId } };
}
