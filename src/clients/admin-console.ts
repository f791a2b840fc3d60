import type { ClientQueries } from './queries.js';

/** The client id of the admin console (/admin). Fixed, so every instance agrees on it. */
export const ADMIN_CONSOLE_CLIENT_ID = 'idp-admin-console';

/**
 * The admin console signs operators in as an ordinary relying party of this server (docs/console.md):
 * a public, PKCE-bound, first-party client whose only redirect URI is ${ISSUER}/admin/callback, named
 * for delegation on the server's own APIs (system_api_delegation, docs/rbac.md) and requiring a
 * second factor of everyone. Registered (or brought up to date, when ISSUER changes) on every start.
 */
export async function ensureAdminConsoleClient(queries: ClientQueries, issuer: string, productName: string): Promise<string> {
  const metadata = {
    client_name: `${productName} admin console`,
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}/admin/callback`],
    post_logout_redirect_uris: [],
    token_endpoint_auth_method: 'none',
    scope: 'openid email',
  };
  const row = { client_id: ADMIN_CONSOLE_CLIENT_ID, name: metadata.client_name, type: 'spa' as const, secret_hash: null, first_party: true, require_mfa: true, system_api_delegation: true, metadata };
  const existing = await queries.findClientById(ADMIN_CONSOLE_CLIENT_ID);
  // jsonb does not keep key order, so the comparison sorts the keys.
  const stable = (value: object) => JSON.stringify(value, Object.keys(value).sort());
  const unchanged = existing && existing.name === row.name && stable(existing.metadata) === stable(metadata) && existing.first_party && existing.require_mfa && existing.system_api_delegation;
  if (unchanged) return ADMIN_CONSOLE_CLIENT_ID;
  if (existing) await queries.deleteClient(ADMIN_CONSOLE_CLIENT_ID);
  try {
    await queries.insertClient(row);
  } catch (error) {
    // Another instance registered it at the same moment.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  return ADMIN_CONSOLE_CLIENT_ID;
}
