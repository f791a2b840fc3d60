import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { ClaimsMapping } from '../attributes/claims-mapping.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/**
 * The consent page speaks to people, not developers: each scope is shown as what it lets the app do
 * (the claims behind it are in accounts/claims.ts). A scope without an entry is shown by its name.
 * `openid` is left out: signing in to the app is what the whole page is about.
 */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  email: 'See your email address',
  profile: 'See your name',
  offline_access: 'Stay connected to your account when you are not using it',
  phone: 'See your phone number',
  address: 'See your address',
};

/**
 * What a scope lets the app see. Scopes that release profile attributes name every claim they
 * release (a claim is released only if the consent page named it): "See your name: Given name, Locale".
 */
function describeScope(scope: string, mapping?: ClaimsMapping): string {
  const custom = mapping?.customScopes.find((entry) => entry.name === scope);
  const base = custom ? (custom.description ?? `Access "${scope}"`) : (SCOPE_DESCRIPTIONS[scope] ?? scope);
  const claims = (mapping?.claimsByScope[scope] ?? []).map((claim) => mapping!.labels[claim] ?? claim);
  return claims.length && scope !== 'address' ? `${base}: ${claims.join(', ')}` : base;
}

/** What the consent page lists: the scopes and APIs still missing from the account's grant. */
export function describeConsent(interaction: Interaction, mapping?: ClaimsMapping): { scopes: string[]; resources: string[] } {
  const details = interaction.prompt.details as ConsentDetails;
  return {
    scopes: (details.missingOIDCScope ?? []).filter((scope) => scope !== 'openid').map((scope) => describeScope(scope, mapping)),
    resources: Object.entries(details.missingResourceScopes ?? {}).map(([resource, scopes]) =>
      scopes.length ? `${resource} (${scopes.join(', ')})` : resource,
    ),
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
  const grantId = await grant.save();
  return { consent: { grantId } };
}
