import type { Context, Next } from 'koa';
import { errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { ownKeySet } from '../keys/own-key-set.js';
import { AppError } from '../errors/app-error.js';
import { ACR_MFA } from '../mfa/policy.js';
import type { Clock } from '../shared/clock.js';
import type { AccessService, Subject } from './access-service.js';

/** Who called one of the server's own APIs, from a verified access token. */
export interface ApiCaller {
  subject: Subject;
  clientId: string;
  /** The token's delegated scope; undefined when the token carries none. */
  scopes?: Set<string>;
  /** How the person signed in (OIDC acr), for a token issued to a person. */
  acr?: string;
  /** The token came from a token exchange (RFC 8693 `act`): another service acts through the client. */
  exchanged?: boolean;
}

export interface ApiGuardDeps {
  issuer: string;
  /** The provider's signing keys (private JWKs; only their public parts are used). */
  loadSigningKeys(): Promise<JWK[]>;
  access: AccessService;
  clock: Clock;
  /** Whether the operator named this client (first-party) to act for people on these APIs. */
  delegationAllowed(clientId: string): Promise<boolean>;
}

/** Verified tokens remembered until they expire: APIs send the same token for its whole lifetime. */
const MAX_VERIFIED_TOKENS = 1000;

/** RFC 6750 §3: the challenge that goes with a 401 or 403. */
function challenge(realm: string, error?: string, extra: Record<string, string> = {}) {
  const params = { realm, ...(error ? { error } : {}), ...extra };
  return `Bearer ${Object.entries(params).map(([key, value]) => `${key}="${value.replaceAll('"', "'")}"`).join(', ')}`;
}

type Refusal = { status: 401 | 403; code: string; message: string; error: string; extra?: Record<string, string> };

/**
 * Rule (docs/rbac.md, "Tokens for the server's own APIs"): a client-credentials token acts as
 * the client itself, limited to its `scope` when it carries one. A token issued to a person is a
 * delegation, accepted only when all of these hold: the client is first-party and named for it
 * (system_api_delegation), the permission is in the token's scope (asked for and consented; no scope
 * delegates nothing), and the sign-in was multi-factor (acr). The holder must still hold the permission.
 */
async function refusal(deps: ApiGuardDeps, caller: ApiCaller, permission: string, audience: string): Promise<Refusal | undefined> {
  const notDelegated = (message: string): Refusal => ({ status: 403, code: 'INSUFFICIENT_PERMISSION', message, error: 'insufficient_scope', extra: { scope: permission } });
  if (caller.subject.type === 'client') {
    if (caller.scopes && !caller.scopes.has(permission)) return notDelegated(`this request needs the ${permission} permission on ${audience}`);
  } else {
    // The person consented to the client that got the first token, not to the services it was
    // exchanged through (src/oidc/token-exchange.ts): such a token is never a delegation here.
    if (caller.exchanged) {
      return { status: 403, code: 'DELEGATION_NOT_ALLOWED', message: `a token obtained by token exchange is not accepted on ${audience}`, error: 'insufficient_scope' };
    }
    if (!(await deps.delegationAllowed(caller.clientId))) {
      return { status: 403, code: 'DELEGATION_NOT_ALLOWED', message: `client ${caller.clientId} may not act for people on ${audience}`, error: 'insufficient_scope' };
    }
    if (!caller.scopes?.has(permission)) return notDelegated(`this request needs the ${permission} permission on ${audience}, delegated as a scope`);
    // RFC 9470 §3: the token is fine, the authentication behind it is not strong enough.
    if (caller.acr !== ACR_MFA) {
      return { status: 401, code: 'MFA_REQUIRED', message: 'acting for a person on this API needs a multi-factor sign-in', error: 'insufficient_user_authentication', extra: { acr_values: ACR_MFA } };
    }
  }
  if (!(await deps.access.hasPermission(caller.subject, audience, permission))) return notDelegated(`this request needs the ${permission} permission on ${audience}`);
  return undefined;
}

/**
 * Protects the server's own APIs (admin, permission check) with its own tokens and its own RBAC.
 * The bearer token is an RFC 9068 JWT verified here against the provider's keys (no introspection
 * round trip): issuer, audience, `typ` at+jwt, expiry and algorithm. The permission is then checked
 * live against the caller's roles, so removing a role takes effect before its tokens expire; what a
 * token may do beyond that is decided by `refusal` above.
 */
export function createApiGuard(deps: ApiGuardDeps) {
  // A signature check is the largest cost of a warm permission check. A token is immutable, so its
  // verification holds until it expires (checked against the clock on every use).
  const verified = new Map<string, { caller: ApiCaller; audience: string; expiresAt: number }>();

  const getKey = ownKeySet(deps);

  async function authenticate(header: string, audience: string): Promise<ApiCaller> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match) {
      throw new AppError('UNAUTHENTICATED', 401, 'this API needs a bearer access token (client credentials, audience ' + audience + ')', {
        headers: { 'WWW-Authenticate': challenge(audience) },
      });
    }
    const known = verified.get(match[1]);
    if (known && known.audience === audience && known.expiresAt > deps.clock.now().getTime()) return known.caller;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], getKey, {
        issuer: deps.issuer,
        audience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256'],
        currentDate: deps.clock.now(),
        requiredClaims: ['exp', 'sub', 'client_id'],
      }));
    } catch (error) {
      const reason = error instanceof joseErrors.JWTExpired ? 'the access token has expired' : 'the access token is not valid for this API';
      throw new AppError('INVALID_TOKEN', 401, reason, { headers: { 'WWW-Authenticate': challenge(audience, 'invalid_token', { error_description: reason }) } });
    }
    // RFC 9449 §7.1: a sender-constrained token is only good with a proof of its key. These APIs
    // take bearer tokens only and check no proof, so such a token presented as a bearer is refused
    // (otherwise whoever copied it could use it here).
    if (payload.cnf !== undefined) {
      const reason = 'this API accepts bearer tokens only; a sender-constrained (DPoP) token is not usable as a bearer token';
      throw new AppError('INVALID_TOKEN', 401, reason, { headers: { 'WWW-Authenticate': challenge(audience, 'invalid_token', { error_description: reason }) } });
    }
    const clientId = String(payload.client_id);
    const subject: Subject = payload.sub === clientId ? { type: 'client', id: clientId } : { type: 'account', id: String(payload.sub) };
    const scopes = typeof payload.scope === 'string' ? new Set(payload.scope.split(' ')) : undefined;
    const caller: ApiCaller = {
      subject, clientId, scopes,
      ...(typeof payload.acr === 'string' ? { acr: payload.acr } : {}),
      ...(payload.act !== undefined ? { exchanged: true } : {}),
    };
    if (verified.size >= MAX_VERIFIED_TOKENS) verified.delete(verified.keys().next().value as string);
    verified.set(match[1], { caller, audience, expiresAt: (payload.exp as number) * 1000 });
    return caller;
  }

  /** Authenticates an Authorization header for `audience` and requires `permission`; throws the refusal. */
  async function authorize(header: string, audience: string, permission: string): Promise<ApiCaller> {
    const caller = await authenticate(header, audience);
    const refused = await refusal(deps, caller, permission, audience);
    if (refused) {
      throw new AppError(refused.code, refused.status, refused.message, {
        headers: { 'WWW-Authenticate': challenge(audience, refused.error, { error_description: refused.message, ...refused.extra }) },
        details: { required_permission: permission },
      });
    }
    return caller;
  }

  return {
    /**
     * Middleware: authenticates the caller for `audience` and requires the permission that
     * `permissionFor` names for this request. Sets `ctx.state.caller`.
     */
    require(audience: string, permissionFor: (ctx: Context) => string) {
      return async (ctx: Context, next: Next) => {
        ctx.state.caller = await authorize(ctx.get('authorization'), audience, permissionFor(ctx));
        await next();
      };
    },
    /**
     * The same rule for a token held outside a request header: the admin console holds the
     * operator's delegated token server-side and asks before each page and each change.
     */
    authorizeToken: (token: string, audience: string, permission: string) => authorize(`Bearer ${token}`, audience, permission),
  };
}

export type ApiGuard = ReturnType<typeof createApiGuard>;
