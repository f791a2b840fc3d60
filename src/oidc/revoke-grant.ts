import type Provider from 'oidc-provider';

/** Everything issued under a grant, in both stores; the same set oidc-provider revokes itself. */
const GRANT_BOUND = ['AccessToken', 'RefreshToken', 'AuthorizationCode'] as const;

/** Revokes a grant and every token issued from it. */
export async function revokeGrant(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    ...GRANT_BOUND.map((model) => provider[model].revokeByGrantId(grantId)),
    provider.Grant.adapter.destroy(grantId),
  ]);
}
