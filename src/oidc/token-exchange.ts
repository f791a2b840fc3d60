import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import type { ExchangeTargetRow } from '../clients/exchange-policy-queries.js';
import type { Clock } from '../shared/clock.js';
import { actorChain, noteExchange, setExchangeClaims } from './exchange-claims.js';
import { describeResourceServer, type DescribedResource } from './resource-servers.js';
import { SubjectTokenRefused, type SubjectToken, type SubjectTokenVerifier } from './subject-token.js';

/** RFC 8693 §2.1. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: the only token type taken and issued here. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** A chain of exchanges longer than this is refused (each hop adds a nested `act`). */
export const MAX_ACTORS = 4;
/** Longer than any token this server issues. */
const MAX_TOKEN_LENGTH = 8192;

const PARAMETERS = ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type', 'resource', 'audience', 'scope'];

interface TargetResource extends DescribedResource {
  system: boolean;
  permissions: string[];
  resource_server_client_ids?: string[];
}

interface LiveGrant {
  grantId: string;
  clientId: string;
  resources: Record<string, string>;
}

export interface TokenExchangeDeps {
  verifier: SubjectTokenVerifier;
  policies: {
    hasPolicy(clientId: string): Promise<boolean>;
    findTarget(clientId: string, identifier: string): Promise<ExchangeTargetRow | undefined>;
  };
  resources: { findByIdentifier(identifier: string): Promise<TargetResource | undefined> };
  access: { tokenPermissions(subject: { type: 'account'; id: string }, resource: string): Promise<string[]> };
  findAccount(id: string): Promise<{ status: string } | undefined>;
  /** The account's grants that still exist (session-index.ts). */
  liveGrants(provider: Provider, accountId: string): Promise<LiveGrant[]>;
  clock: Clock;
  signingAlg: 'ES256' | 'RS256';
  defaultTtl: number;
}

/** An invalid_grant whose description the caller sees and whose detail the audit event keeps. */
function invalidGrant(reason: string, description = 'the subject token is not valid'): Error {
  return Object.assign(new errors.InvalidGrant(reason), { error_description: description });
}

const listOf = (value: unknown): string[] => (value === undefined ? [] : [value].flat().map(String));

/** RFC 8693 §2.1 parameters that have to be right before anything is looked up. */
function checkRequest(ctx: KoaContextWithOIDC): { subjectToken: string; target: string; requested: string[] } {
  const params = ctx.oidc.params as Record<string, unknown>;
  if (typeof params.subject_token !== 'string' || !params.subject_token) throw new errors.InvalidRequest('missing required parameter subject_token');
  if (typeof params.subject_token_type !== 'string' || !params.subject_token_type) throw new errors.InvalidRequest('missing required parameter subject_token_type');
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest(`requested_token_type, when given, must be ${ACCESS_TOKEN_TYPE}`);
  }
  // RFC 8693 §2.1 leaves the actor to the server: it is always the authenticated client.
  if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
    throw new errors.InvalidRequest('actor_token is not accepted: the actor is the authenticated client');
  }
  if (params.subject_token.length > MAX_TOKEN_LENGTH) throw new errors.InvalidRequest('subject_token is too long');
  const targets = [...new Set([...listOf(params.resource), ...listOf(params.audience)])];
  if (targets.length === 0) throw new errors.InvalidRequest('resource or audience is required: the API the new token is for');
  if (targets.length > 1) throw new errors.InvalidTarget('one target (resource or audience) per exchange');
  const requested = [...new Set(String(params.scope ?? '').split(' ').filter(Boolean))];
  return { subjectToken: params.subject_token, target: targets[0], requested };
}

/**
 * The grant type urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693), delegation only: a
 * confidential client that received a person's access token (as the resource server of its API)
 * gets a token for another API on that person's behalf, naming itself in `act`. Rules:
 * - only clients with a policy (admin API, CLI), only for the APIs it names, never the server's own;
 * - the subject token is ours, alive, addressed to the caller, and its grant still exists;
 * - the new token carries at most the subject token's scope ∩ the policy's scopes ∩ what the person
 *   holds on the target now, and never outlives the subject token;
 * - no impersonation: `act` is always set (nested when the subject token had one), chains are capped.
 */
export function installTokenExchange(provider: Provider, deps: TokenExchangeDeps): void {
  // oidc-provider asks a client's registered grant_types first; the exchange policy is what
  // authorizes this grant, so every client passes that check and the handler answers
  // unauthorized_client when there is no policy (or no client secret).
  const prototype = provider.Client.prototype as unknown as { grantTypeAllowed(type: string): boolean };
  const registered = prototype.grantTypeAllowed;
  prototype.grantTypeAllowed = function grantTypeAllowed(type: string) {
    return type === TOKEN_EXCHANGE_GRANT || registered.call(this, type);
  };

  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, (ctx: KoaContextWithOIDC) => exchange(provider, deps, ctx), PARAMETERS, ['resource', 'audience']);
}

async function exchange(provider: Provider, deps: TokenExchangeDeps, ctx: KoaContextWithOIDC): Promise<void> {
  const client = ctx.oidc.client!;
  if (client.clientAuthMethod === 'none') throw new errors.UnauthorizedClient('token exchange is for confidential clients only');
  // Exchanged tokens are bearer tokens; a client registered for DPoP-bound tokens only gets none.
  if ((client as unknown as { dpopBoundAccessTokens?: boolean }).dpopBoundAccessTokens) {
    throw new errors.InvalidRequest('token exchange issues bearer tokens, and this client requires DPoP-bound tokens');
  }
  const { subjectToken, target, requested } = checkRequest(ctx);
  noteExchange(ctx, { audience: target.slice(0, 500) });
  if (!(await deps.policies.hasPolicy(client.clientId))) throw new errors.UnauthorizedClient('this client has no token exchange policy');
  const policy = await deps.policies.findTarget(client.clientId, target);
  const resource = policy ? await deps.resources.findByIdentifier(target) : undefined;
  if (!policy || !resource || resource.system) throw new errors.InvalidTarget("the target is not allowed by this client's token exchange policy");

  const subject = await verifySubject(provider, deps, ctx, subjectToken);
  const scope = await grantedScope(deps, subject, resource, policy, requested);
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const grantId = await liveGrantOf(provider, deps, subject);

  const act = { sub: client.clientId, ...(subject.act ? { act: subject.act } : {}) };
  setExchangeClaims(ctx, { act, origin_client_id: subject.originClientId });
  const token = new provider.AccessToken({
    accountId: subject.accountId,
    client,
    grantId,
    gty: 'token_exchange',
    scope: scope.join(' ') || undefined,
    // Never outlives the token it was exchanged for.
    expiresIn: Math.max(1, Math.min(resource.access_token_ttl ?? deps.defaultTtl, subject.expiresAt - now)),
  } as ConstructorParameters<typeof provider.AccessToken>[0]);
  const ResourceServerClass = (provider as unknown as { ResourceServer: new (identifier: string, info: ResourceServer) => ResourceServer }).ResourceServer;
  (token as unknown as { resourceServer: ResourceServer }).resourceServer = new ResourceServerClass(
    target, describeResourceServer(resource, scope.join(' '), deps.signingAlg, deps.defaultTtl),
  );
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();
  noteExchange(ctx, { scope: scope.join(' ') || undefined, actorChain: actorChain(act) });

  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: token.expiration,
    ...(scope.length ? { scope: scope.join(' ') } : {}),
  };
}

async function verifySubject(provider: Provider, deps: TokenExchangeDeps, ctx: KoaContextWithOIDC, value: string): Promise<SubjectToken> {
  let subject: SubjectToken;
  try {
    subject = await deps.verifier.verify(provider, value);
  } catch (error) {
    if (error instanceof SubjectTokenRefused) throw invalidGrant(error.reason, error.description);
    throw error;
  }
  noteExchange(ctx, { accountId: subject.accountId, subjectClientId: subject.clientId, subjectAudience: subject.audience });
  const caller = ctx.oidc.client!.clientId;
  // Confused deputy: only the service the token was sent to may trade it in.
  if (!(await addressedTo(deps, subject, caller))) throw invalidGrant('not_addressed_to_caller', 'the subject token was not issued for an API this client serves');
  if (actorChain(subject.act).length >= MAX_ACTORS) throw invalidGrant('chain_too_long', `a token is exchanged at most ${MAX_ACTORS} times in a chain`);
  const account = await deps.findAccount(subject.accountId);
  if (account?.status !== 'active') throw invalidGrant('account_not_active');
  return subject;
}

/** The subject token's audience is the caller itself, or an API that lists the caller as its resource server. */
async function addressedTo(deps: TokenExchangeDeps, subject: SubjectToken, caller: string): Promise<boolean> {
  if (subject.audience.includes(caller)) return true;
  for (const audience of subject.audience) {
    const resource = await deps.resources.findByIdentifier(audience);
    if (resource?.resource_server_client_ids?.includes(caller)) return true;
  }
  return false;
}

/**
 * The grant the subject token hangs off, which must still exist: revoking the app, signing out
 * (grants end with the session unless offline) or an admin ending everything stops exchanges at once.
 * An opaque token names its grant; a JWT names the client the person consented to (its own client,
 * or `origin_client_id` once exchanged), whose grant must still hold the token's API.
 */
async function liveGrantOf(provider: Provider, deps: TokenExchangeDeps, subject: SubjectToken): Promise<string> {
  if (subject.grantId) {
    const grant = (await provider.Grant.find(subject.grantId)) as { accountId?: string; clientId?: string } | undefined;
    if (grant?.accountId === subject.accountId && grant.clientId === subject.originClientId) return subject.grantId;
  } else {
    const grants = await deps.liveGrants(provider, subject.accountId);
    const live = grants.find((grant) => grant.clientId === subject.originClientId && (subject.act || subject.audience.some((audience) => audience in grant.resources)));
    if (live) return live.grantId;
  }
  throw invalidGrant('grant_revoked', "the person's grant behind the subject token has ended");
}

/**
 * Rule: never more than the subject token's scope ∩ the policy's scopes (when it names some) ∩ the
 * target's permissions; a requested scope beyond that is refused (invalid_scope); then only what the
 * person holds on the target now.
 */
async function grantedScope(deps: TokenExchangeDeps, subject: SubjectToken, resource: TargetResource, policy: ExchangeTargetRow, requested: string[]): Promise<string[]> {
  const policyScopes = policy.scopes ? new Set(policy.scopes) : undefined;
  const allowed = resource.permissions.filter((permission) => subject.scopes.has(permission) && (!policyScopes || policyScopes.has(permission)));
  const beyond = requested.filter((scope) => !allowed.includes(scope));
  if (beyond.length) throw new errors.InvalidScope('requested scope is beyond what the subject token and this client\'s policy allow', beyond.join(' '));
  const chosen = requested.length ? requested : allowed;
  const held = new Set(await deps.access.tokenPermissions({ type: 'account', id: subject.accountId }, resource.identifier));
  return chosen.filter((scope) => held.has(scope));
}
