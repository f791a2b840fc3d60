import type { Account, FindAccount } from 'oidc-provider';
import { standardClaims } from '../accounts/claims.js';
import type { AccountService } from '../accounts/service.js';
import type { AuthorizationClaims } from './rbac-claims.js';

/**
 * Resolves `sub` to an account for ID tokens, userinfo and every grant that carries an account.
 * A disabled account resolves to nothing, so its refresh tokens and sessions stop working at once.
 */
export function createFindAccount(
  accounts: AccountService,
  authorizationClaims?: AuthorizationClaims,
  /** Custom attribute claims released by the granted scope (see attributes/claims-mapping.ts). */
  attributeClaims?: (accountId: string, scope: string | undefined) => Promise<Record<string, unknown>>,
): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const account = await accounts.findById(sub).catch(() => undefined);
    if (!account || account.status !== 'active') return undefined;
    return {
      accountId: account.id,
      claims: async (_use, scope) => ({
        // Attributes first: they can never replace a claim the server sets (their names exclude those).
        ...(attributeClaims ? await attributeClaims(account.id, scope) : {}),
        ...standardClaims(account),
        ...(authorizationClaims ? await authorizationClaims(account.id, scope) : {}),
      }),
    };
  };
}
