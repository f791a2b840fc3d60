import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccessService, Subject } from '../rbac/access-service.js';
import { exchangeClaimsOf } from './exchange-claims.js';

/**
 * Permissions in access tokens (RFC 9068 JWTs, or opaque tokens through introspection).
 *
 * At the token endpoint the resource server's `scope` is narrowed to what the subject holds on it
 * right now: oidc-provider then intersects the requested (and, for people, consented) scopes with it,
 * so a token never carries a permission its subject lacks. When the request asked for permissions on
 * the API and none of them is held, the request is refused with invalid_scope (RFC 6749 §5.2).
 *
 * `permissions`: for a client acting as itself (client credentials), everything it holds on the API.
 * Rule: a token issued to a person never carries more than what was asked for by scope and shown on
 * the consent page, so there `permissions` is the token's `scope` (held, requested and consented);
 * no scope delegates nothing. Person tokens also carry how the person signed in (`acr`, `amr`,
 * `auth_time`, RFC 9068 §2.2.1), which the server's own APIs require to be multi-factor.
 */

const HELD = Symbol('idp.held-permissions');

type TokenContext = KoaContextWithOIDC & { [HELD]?: Map<string, string[]> };

interface ResourceWithPermissions {
  identifier: string;
  permissions: string[];
}

function subjectOfTokenRequest(ctx: KoaContextWithOIDC): Subject | undefined {
  if (ctx.oidc.params?.grant_type === 'client_credentials') return ctx.oidc.client ? { type: 'client', id: ctx.oidc.client.clientId } : undefined;
  const accountId = ctx.oidc.entities.Account?.accountId;
  return accountId ? { type: 'account', id: accountId } : undefined;
}

function requestedScopes(ctx: KoaContextWithOIDC): Set<string> {
  const params = ctx.oidc.params ?? {};
  const fromParam = () => new Set(String(params.scope ?? '').split(' ').filter(Boolean));
  switch (params.grant_type) {
    case 'client_credentials':
      return fromParam();
    case 'authorization_code':
      return ctx.oidc.entities.AuthorizationCode?.scopes ?? new Set();
    case 'refresh_token':
      return params.scope ? fromParam() : (ctx.oidc.entities.RefreshToken?.scopes ?? new Set());
    default:
      return new Set();
  }
}

/** The resource server's scope for this request: every declared permission, or at the token endpoint the held ones. */
export async function resourceScopeFor(ctx: KoaContextWithOIDC, resource: ResourceWithPermissions, access: AccessService): Promise<string> {
  if (ctx.oidc?.route !== 'token') return resource.permissions.join(' ');
  const subject = subjectOfTokenRequest(ctx);
  const held = subject ? await access.tokenPermissions(subject, resource.identifier) : [];
  ((ctx as TokenContext)[HELD] ??= new Map()).set(resource.identifier, held);
  const declared = new Set(resource.permissions);
  const requested = [...requestedScopes(ctx)].filter((scope) => declared.has(scope));
  if (requested.length > 0 && !requested.some((scope) => held.includes(scope))) {
    throw new errors.InvalidScope('none of the requested permissions is held by the subject', requested.join(' '));
  }
  return held.join(' ');
}

interface IssuedToken {
  accountId?: string;
  clientId?: string;
  scope?: string;
  resourceServer?: { identifier(): string };
}

interface SignIn {
  acr?: string;
  amr?: string[];
  authTime?: number;
}

/** How the person behind a token request signed in: from the code, or from the refresh token. */
function signInOf(ctx: KoaContextWithOIDC | undefined): Record<string, unknown> {
  const entities = ctx?.oidc?.entities as { AuthorizationCode?: SignIn; RefreshToken?: SignIn } | undefined;
  const source = entities?.AuthorizationCode ?? entities?.RefreshToken;
  if (!source) return {};
  return {
    ...(source.acr ? { acr: source.acr } : {}),
    ...(source.amr ? { amr: source.amr } : {}),
    ...(source.authTime ? { auth_time: source.authTime } : {}),
  };
}

/** oidc-provider's extraTokenClaims: the `permissions` claim of a token for an API. */
export function createExtraTokenClaims(access: AccessService) {
  return async (ctx: KoaContextWithOIDC | undefined, token: unknown): Promise<Record<string, unknown> | undefined> => {
    const { resourceServer, accountId, clientId, scope } = token as IssuedToken;
    if (!resourceServer) return undefined;
    const identifier = resourceServer.identifier();
    let held = ctx ? (ctx as TokenContext)[HELD]?.get(identifier) : undefined;
    if (!held) {
      const subject: Subject | undefined = accountId ? { type: 'account', id: accountId } : clientId ? { type: 'client', id: clientId } : undefined;
      held = subject ? await access.tokenPermissions(subject, identifier) : [];
    }
    if (!accountId) return { permissions: held };
    const delegated = new Set((scope ?? '').split(' ').filter(Boolean));
    // A token from a token exchange (token-exchange.ts) also names its actors (`act`, RFC 8693 §4.1).
    return { permissions: held.filter((permission) => delegated.has(permission)), ...signInOf(ctx), ...exchangeClaimsOf(ctx) };
  };
}
