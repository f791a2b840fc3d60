import { ensureBuiltInClient } from './built-in-client.js';
import type { ClientQueries } from './queries.js';

/** The client id of the admin console (/admin). Fixed, so every instance agrees on it. */
export const ADMIN_CONSOLE_CLIENT_ID = 'idp-admin-console';

/**
 * The admin console signs operators in as an ordinary relying party of this server (docs/console.md):
 * a public, PKCE-bound, first-party client whose only redirect URI is ${ISSUER}/admin/callback (and whose
 * only post-logout redirect URI, for RP-initiated logout, is ${ISSUER}/admin/signed-out), named
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
    post_logout_redirect_uris: [`${issuer}/admin/signed-out`],
    token_endpoint_auth_method: 'none',
    scope: 'openid email',
  };
  return ensureBuiltInClient(queries, { client_id: ADMIN_CONSOLE_CLIENT_ID, first_party: true, require_mfa: true, system_api_delegation: true, metadata });
}
