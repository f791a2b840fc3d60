import { ensureBuiltInClient } from './built-in-client.js';
import type { ClientQueries } from './queries.js';

/** The client id of the account pages' own sign-in. Fixed, so every instance agrees on it. */
export const ACCOUNT_CONSOLE_CLIENT_ID = 'idp-account';

/**
 * The account pages sign people in through an ordinary authorization request of this built-in,
 * first-party client, so login, throttling, lockout and MFA apply to them exactly as to any
 * application. It is public (no secret) and PKCE-bound; the account pages never redeem its codes:
 * what they need is the SSO session the sign-in leaves behind.
 * Registered (or brought up to date, when ISSUER changes) on every start.
 */
export async function ensureAccountConsoleClient(queries: ClientQueries, issuer: string, productName: string): Promise<string> {
  const metadata = {
    client_name: `${productName} account`,
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}/account/callback`],
    post_logout_redirect_uris: [],
    token_endpoint_auth_method: 'none',
    scope: 'openid',
  };
  return ensureBuiltInClient(queries, { client_id: ACCOUNT_CONSOLE_CLIENT_ID, first_party: true, require_mfa: false, system_api_delegation: false, metadata });
}
