import type { AccessService } from '../rbac/access-service.js';

/** Scopes that release an account's groups and roles (names), in the ID token and at userinfo. */
export const RBAC_SCOPES = ['groups', 'roles'] as const;

/**
 * Claims per scope for oidc-provider's `claims` setting. `groups` and `roles` are also listed under
 * `openid`: with conformIdTokenClaims, an ID token only carries the claims of `openid`, and RPs that
 * map groups to rights (Kubernetes, Argo CD, Grafana…) read them from the ID token. They are still
 * released only when the `groups` or `roles` scope was granted: findAccount returns them only then.
 */
export const RBAC_CLAIMS_BY_SCOPE = {
  openid: ['groups', 'roles'],
  groups: ['groups'],
  roles: ['roles'],
} as const;

/** The groups and roles claims of an account for the granted scope, read live (no cache). */
export function createAuthorizationClaims(access: AccessService) {
  return async (accountId: string, scope: string | undefined): Promise<{ groups?: string[]; roles?: string[] }> => {
    const scopes = new Set((scope ?? '').split(' '));
    const [groups, roles] = await Promise.all([
      scopes.has('groups') ? access.groupNames(accountId) : undefined,
      scopes.has('roles') ? access.roleNames(accountId) : undefined,
    ]);
    return { ...(groups ? { groups } : {}), ...(roles ? { roles } : {}) };
  };
}

export type AuthorizationClaims = ReturnType<typeof createAuthorizationClaims>;
