import type { AccountRow } from '../accounts/queries.js';
import type { ClientRow } from '../clients/queries.js';
import type { LogoutDeliveryRow } from '../oidc/backchannel-queries.js';
import type { GrantView, SessionView } from '../oidc/session-index.js';
import type { ObjectGrantView } from '../rbac/queries/object-grants.js';

/** How records look in the admin API: never a hash or a secret, always snake_case. */

export function presentAccount(account: AccountRow) {
  // The language a person chose for their own pages is theirs (account page), not part of the admin API's account.
  const { password_hash: _hash, locale: _locale, ...rest } = account;
  return rest;
}

export function presentClient(client: ClientRow) {
  const metadata = client.metadata as {
    redirect_uris?: string[];
    post_logout_redirect_uris?: string[];
    grant_types?: string[];
    scope?: string;
    require_verified_email?: boolean;
    default_max_age?: number;
    token_endpoint_auth_method?: string;
    jwks?: { keys: Record<string, unknown>[] };
    jwks_uri?: string;
    dpop_bound_access_tokens?: boolean;
    require_pushed_authorization_requests?: boolean;
    backchannel_logout_uri?: string;
    backchannel_logout_session_required?: boolean;
    logo_uri?: string;
    policy_uri?: string;
    tos_uri?: string;
  };
  return {
    client_id: client.client_id,
    name: client.name,
    type: client.type,
    first_party: client.first_party,
    require_mfa: client.require_mfa,
    require_phishing_resistant: client.require_phishing_resistant,
    system_api_delegation: client.system_api_delegation,
    require_verified_email: metadata.require_verified_email ?? false,
    redirect_uris: metadata.redirect_uris ?? [],
    post_logout_redirect_uris: metadata.post_logout_redirect_uris ?? [],
    grant_types: metadata.grant_types ?? [],
    scope: metadata.scope ?? null,
    default_max_age: metadata.default_max_age ?? null,
    token_endpoint_auth_method: metadata.token_endpoint_auth_method ?? 'none',
    jwks: metadata.jwks ?? null,
    jwks_uri: metadata.jwks_uri ?? null,
    dpop_bound_access_tokens: metadata.dpop_bound_access_tokens ?? false,
    require_pushed_authorization_requests: metadata.require_pushed_authorization_requests ?? false,
    backchannel_logout_uri: metadata.backchannel_logout_uri ?? null,
    backchannel_logout_session_required: metadata.backchannel_logout_session_required ?? false,
    logo_uri: metadata.logo_uri ?? null,
    policy_uri: metadata.policy_uri ?? null,
    tos_uri: metadata.tos_uri ?? null,
    created_at: client.created_at,
    updated_at: client.updated_at,
  };
}

export function presentObjectGrant(grant: ObjectGrantView) {
  return {
    id: grant.id,
    permission_id: grant.permission_id,
    resource: grant.resource,
    permission: grant.permission,
    object: `${grant.object_type}:${grant.object_id}`,
    subject_type: grant.account_id ? ('account' as const) : ('group' as const),
    subject_id: (grant.account_id ?? grant.group_id) as string,
    created_at: grant.created_at,
  };
}

/** An account's browser session, as the admin API has listed it since the first version. */
export function presentAccountSession(session: SessionView) {
  return { uid: session.uid, login_at: session.loginAt, expires_at: session.expiresAt, client_ids: session.clientIds };
}

export function presentAccountGrant(grant: GrantView) {
  return {
    grant_id: grant.grantId,
    client_id: grant.clientId,
    scope: grant.scope,
    resources: grant.resources,
    created_at: grant.createdAt,
    expires_at: grant.expiresAt,
  };
}

/** A queued back-channel logout token: never the token itself (it is built at send time). */
export function presentLogoutDelivery(row: LogoutDeliveryRow) {
  return {
    id: row.id,
    client_id: row.client_id,
    account_id: row.account_id,
    reason: row.reason,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null,
    last_status: row.last_status,
    last_error: row.last_error,
    delivered_at: row.delivered_at,
    created_at: row.created_at,
  };
}
