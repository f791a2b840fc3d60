import type { AccountRow } from './queries.js';

/** The standard claims (OIDC Core §5.1) this server knows about an account, keyed by scope. */
export function standardClaims(account: AccountRow): { sub: string; [claim: string]: unknown } {
  return {
    sub: account.id,
    email: account.email,
    email_verified: account.email_verified,
    name: account.name ?? undefined,
    updated_at: Math.floor(new Date(account.updated_at).getTime() / 1000),
  };
}

export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'updated_at'],
} as const;
