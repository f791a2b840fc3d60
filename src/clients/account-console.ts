import type { ClientQueries } from './queries.js';

/** The client id of the account pages' own sign-in. Fixed, so every instance agrees on it. */
export const ACCOUNT_CONSOLE_CLIENT_ID = 'idp-account';

/**
 * The account pages sign people in through an ordinary authorization request of this built-in,
 * first-party client, so login, throttling, lockout and (later) MFA apply to them exactly as to any
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
  const row = { client_id: ACCOUNT_CONSOLE_CLIENT_ID, name: metadata.client_name, type: 'spa' as const, secret_hash: null, first_party: true, require_mfa: false, system_api_delegation: false, metadata };
  const existing = await queries.findClientById(ACCOUNT_CONSOLE_CLIENT_ID);
  // jsonb does not keep key order, so the comparison sorts the keys.
  const stable = (value: object) => JSON.stringify(value, Object.keys(value).sort());
  if (existing && existing.name === row.name && stable(existing.metadata) === stable(metadata) && existing.first_party) {
    return ACCOUNT_CONSOLE_CLIENT_ID;
  }
  if (existing) await queries.deleteClient(ACCOUNT_CONSOLE_CLIENT_ID);
  try {
    await queries.insertClient(row);
  } catch (error) {
    // Another instance registered it at the same moment.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  return ACCOUNT_CONSOLE_CLIENT_ID;
}
