import { z } from 'zod';
import { AppError, notFound } from '../errors/app-error.js';
import { sha256 } from '../shared/digest.js';
import { newClientId, newSecretToken } from '../shared/ids.js';
import type { OutboundGuard } from '../outbound/guard.js';
import { problemWithClientJwks, publicJwks, type ClientJwks } from './client-keys.js';
import { clientPageLink } from './page-links.js';
import { buildClientMetadata, CLIENT_TYPE_PROFILES, CONFIDENTIAL_AUTH_METHODS, type ClientRegistration } from './metadata.js';
import type { ClientQueries, ClientRow } from './queries.js';
import type { PageRequest } from '../storage/pagination.js';
import { getUnlessMissing, type AccessCache } from '../rbac/access-cache.js';

const redirectUri = z.url({ protocol: /^[a-z][a-z0-9+.-]*$/ }).refine((value) => !value.includes('#'), 'must not contain a fragment');
const registrationSchema = z.object({
  name: z.string().trim().min(1).max(120),
  type: z.enum(['web', 'spa', 'native', 'machine', 'device']),
  redirectUris: z.array(redirectUri).max(20).default([]),
  postLogoutRedirectUris: z.array(redirectUri).max(20).default([]),
  scope: z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated scope tokens').optional(),
  firstParty: z.boolean().default(false),
  requireMfa: z.boolean().default(false),
  requirePhishingResistant: z.boolean().default(false),
  systemApiDelegation: z.boolean().default(false),
  requireVerifiedEmail: z.boolean().default(false),
  defaultMaxAge: z.number().int().min(0).max(366 * 86400).optional(),
  authMethod: z.enum(CONFIDENTIAL_AUTH_METHODS).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
  jwksUri: z.url().max(2000).optional(),
  requireDpop: z.boolean().default(false),
  requirePar: z.boolean().default(false),
  // OIDC Back-Channel Logout 1.0 §2.2: an absolute URL, which may carry a query but no fragment.
  backchannelLogoutUri: z.url({ protocol: /^https?$/ }).max(2000)
    .refine((value) => !value.includes('#'), 'must not contain a fragment')
    .refine((value) => { const url = URL.parse(value); return !url?.username && !url?.password; }, 'must not carry credentials')
    .optional(),
  backchannelLogoutSessionRequired: z.boolean().default(false),
  logoUri: clientPageLink('logo').optional(),
  policyUri: clientPageLink('privacy policy').optional(),
  tosUri: clientPageLink('terms of service').optional(),
});

/** What only an operator decides about a client, beside its registered metadata. */
interface ClientPolicy {
  firstParty?: boolean;
  requireMfa?: boolean;
  /** Every sign-in must end with a passkey (src/mfa/policy.ts). */
  requirePhishingResistant?: boolean;
  /** May act for signed-in people on the server's own APIs (admin, check); see rbac/api-guard.ts. */
  systemApiDelegation?: boolean;
}

const invalid = (field: string, message: string) => new AppError('INVALID_CLIENT_METADATA', 400, `${field}: ${message}`, { details: { field } });

/**
 * The client's keys: a JWK Set of public keys, or a jwks_uri this server may fetch (the outbound
 * guard's rule: no private destinations, https when the issuer is). Rule: private_key_jwt only for a
 * confidential client, and only with keys to check its assertions against.
 */
async function validateKeys(registration: ReturnType<typeof validateRegistration>, outbound?: Pick<OutboundGuard, 'problemWith'>) {
  const profile = CLIENT_TYPE_PROFILES[registration.type];
  if (registration.authMethod && !profile.confidential) throw invalid('tokenEndpointAuthMethod', `a ${registration.type} client is public and does not authenticate`);
  if (registration.jwks && registration.jwksUri) throw invalid('jwks', 'register keys either inline (jwks) or by URL (jwksUri), not both');
  if (registration.authMethod === 'private_key_jwt' && !registration.jwks && !registration.jwksUri) {
    throw invalid('tokenEndpointAuthMethod', 'private_key_jwt needs the client\'s public keys (jwks or jwksUri)');
  }
  if (registration.jwks) {
    const problem = await problemWithClientJwks(registration.jwks);
    if (problem) throw invalid('jwks', problem);
  }
  if (registration.jwksUri) {
    if (!outbound) throw invalid('jwksUri', 'this server cannot fetch keys by URL here');
    const problem = await outbound.problemWith(registration.jwksUri);
    if (problem) throw invalid('jwksUri', problem);
  }
  if (registration.backchannelLogoutUri) {
    // The same SSRF rule as webhooks and jwks_uri: a public address (https when the issuer is), unless allow-listed.
    if (!outbound) throw invalid('backchannelLogoutUri', 'this server cannot send logout tokens here');
    const problem = await outbound.problemWith(registration.backchannelLogoutUri);
    if (problem) throw invalid('backchannelLogoutUri', problem);
  }
  if (registration.backchannelLogoutSessionRequired && !registration.backchannelLogoutUri) {
    throw invalid('backchannelLogoutSessionRequired', 'needs a backchannelLogoutUri');
  }
  if (registration.backchannelLogoutUri && registration.type === 'machine') {
    throw invalid('backchannelLogoutUri', 'a machine client has no sign-in sessions to end');
  }
  return registration.jwks ? { ...registration, jwks: publicJwks(registration.jwks as unknown as ClientJwks) } : registration;
}

/** Validates a registration with the rules of its client type; the first problem is a 400 naming the field. */
function validateRegistration(input: ClientRegistration & ClientPolicy) {
  const parsed = registrationSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('INVALID_CLIENT_METADATA', 400, `${issue.path.join('.')}: ${issue.message}`, {
      details: { field: issue.path.join('.') },
    });
  }
  const registration = parsed.data;
  const profile = CLIENT_TYPE_PROFILES[registration.type];
  if (profile.needsRedirectUri && registration.redirectUris.length === 0) {
    throw new AppError('INVALID_CLIENT_METADATA', 400, `a ${registration.type} client needs at least one redirect URI`, {
      details: { field: 'redirectUris' },
    });
  }
  // Browser-based clients can only be redirected to web URLs; native apps may use their own scheme.
  if (profile.applicationType === 'web' && registration.redirectUris.some((uri) => !/^https?:/.test(uri))) {
    throw new AppError('INVALID_CLIENT_METADATA', 400, `a ${registration.type} client's redirect URIs must be http(s) URLs`, {
      details: { field: 'redirectUris' },
    });
  }
  if (!profile.needsRedirectUri && registration.redirectUris.length > 0) {
    throw new AppError('INVALID_CLIENT_METADATA', 400, `a ${registration.type} client has no redirect URIs`, { details: { field: 'redirectUris' } });
  }
  // A device client's people approve on another screen: nothing in that browser returns to the device.
  if (registration.type === 'device' && registration.postLogoutRedirectUris.length > 0) {
    throw new AppError('INVALID_CLIENT_METADATA', 400, 'a device client has no post-logout redirect URIs', { details: { field: 'postLogoutRedirectUris' } });
  }
  if (registration.type === 'device' && registration.requirePar) {
    throw new AppError('INVALID_CLIENT_METADATA', 400, 'a device client sends no authorization requests to push', { details: { field: 'requirePar' } });
  }
  // Rule: only the operator's own apps may carry a person's rights to the admin and check APIs, and
  // a machine client has no people to act for (it uses its own roles through client credentials).
  if (registration.systemApiDelegation && (!registration.firstParty || registration.type === 'machine' || registration.type === 'device')) {
    throw new AppError('INVALID_CLIENT_METADATA', 400, 'system API delegation needs a first-party web, spa or native client', {
      details: { field: 'systemApiDelegation' },
    });
  }
  return registration;
}

export interface CreatedClient {
  client: ClientRow;
  /** The only time the secret exists in clear: it is stored as a hash. */
  clientSecret?: string;
}

export function createClientService(deps: {
  queries: ClientQueries;
  /**
   * Read-through cache for lookups by id (oidc-provider asks for the client on every protocol
   * request). Cleared here on every change; changes made by other processes bump the database's
   * generation (see the clients trigger), which the cache polls.
   */
  lookupCache?: AccessCache<ClientRow>;
  /** Checks a jwks_uri before it is registered (the provider fetches it through the same guard). */
  outbound?: Pick<OutboundGuard, 'problemWith'>;
}) {
  const { queries, lookupCache, outbound } = deps;
  const changed = () => lookupCache?.invalidate();
  return {
    async createClient(input: ClientRegistration & ClientPolicy): Promise<CreatedClient> {
      const registration = await validateKeys(validateRegistration(input), outbound);
      const profile = CLIENT_TYPE_PROFILES[registration.type];
      const clientSecret = profile.confidential ? newSecretToken() : undefined;
      const client = await queries.insertClient({
        client_id: newClientId(),
        name: registration.name,
        type: registration.type,
        secret_hash: clientSecret ? sha256(clientSecret) : null,
        first_party: registration.firstParty,
        require_mfa: registration.requireMfa,
        require_phishing_resistant: registration.requirePhishingResistant,
        system_api_delegation: registration.systemApiDelegation,
        metadata: buildClientMetadata(registration),
      });
      return { client, clientSecret };
    },
    findClient: (clientId: string) => (lookupCache ? getUnlessMissing(lookupCache, clientId) : queries.findClientById(clientId)),
    listClients: () => queries.listClients(),
    listClientsPage: (page: PageRequest) => queries.listClientsPage(page),

    /**
     * Changes a client's registration (admin API). The type is fixed at creation; the metadata is
     * rebuilt from the merged registration with the same rules as at creation.
     */
    async updateClient(
      clientId: string,
      changes: Partial<Pick<ClientRegistration, 'name' | 'redirectUris' | 'postLogoutRedirectUris' | 'scope' | 'requireVerifiedEmail' | 'authMethod' | 'requireDpop' | 'requirePar' | 'backchannelLogoutSessionRequired'>> & ClientPolicy & {
        /** null removes the client's back-channel logout URI (and with it the session requirement). */
        backchannelLogoutUri?: string | null;
        /** null removes the client's default_max_age. */
        defaultMaxAge?: number | null;
        /** Replaces the client's keys (rotation: register old and new together, then the new alone); null removes them. */
        jwks?: ClientJwks | null;
        jwksUri?: string | null;
        /** null removes the link. */
        logoUri?: string | null;
        policyUri?: string | null;
        tosUri?: string | null;
      },
    ): Promise<ClientRow> {
      const current = await queries.findClientById(clientId);
      if (!current) throw notFound('no client with this id');
      const metadata = current.metadata as {
        redirect_uris?: string[];
        post_logout_redirect_uris?: string[];
        scope?: string;
        require_verified_email?: boolean;
        default_max_age?: number;
        token_endpoint_auth_method?: string;
        jwks?: ClientJwks;
        jwks_uri?: string;
        dpop_bound_access_tokens?: boolean;
        require_pushed_authorization_requests?: boolean;
        backchannel_logout_uri?: string;
        backchannel_logout_session_required?: boolean;
        logo_uri?: string;
        policy_uri?: string;
        tos_uri?: string;
      };
      const kept = (change: string | null | undefined, current: string | undefined) => (change === undefined ? current : (change ?? undefined));
      const profile = CLIENT_TYPE_PROFILES[current.type];
      // Keys given one way replace keys registered the other way.
      const keysChanged = changes.jwks !== undefined || changes.jwksUri !== undefined;
      const merged = {
        name: changes.name ?? current.name,
        type: current.type,
        redirectUris: changes.redirectUris ?? metadata.redirect_uris ?? [],
        postLogoutRedirectUris: changes.postLogoutRedirectUris ?? metadata.post_logout_redirect_uris ?? [],
        scope: changes.scope === undefined ? metadata.scope : changes.scope || undefined,
        firstParty: changes.firstParty ?? current.first_party,
        requireMfa: changes.requireMfa ?? current.require_mfa,
        requirePhishingResistant: changes.requirePhishingResistant ?? current.require_phishing_resistant,
        systemApiDelegation: changes.systemApiDelegation ?? current.system_api_delegation,
        requireVerifiedEmail: changes.requireVerifiedEmail ?? metadata.require_verified_email ?? false,
        defaultMaxAge: changes.defaultMaxAge === undefined ? metadata.default_max_age : (changes.defaultMaxAge ?? undefined),
        authMethod: changes.authMethod ?? (profile.confidential ? (metadata.token_endpoint_auth_method as ClientRegistration['authMethod']) : undefined),
        jwks: keysChanged ? (changes.jwks ?? undefined) : metadata.jwks,
        jwksUri: keysChanged ? (changes.jwksUri ?? undefined) : metadata.jwks_uri,
        requireDpop: changes.requireDpop ?? metadata.dpop_bound_access_tokens ?? false,
        requirePar: changes.requirePar ?? metadata.require_pushed_authorization_requests ?? false,
        backchannelLogoutUri: changes.backchannelLogoutUri === undefined ? metadata.backchannel_logout_uri : (changes.backchannelLogoutUri ?? undefined),
        backchannelLogoutSessionRequired: changes.backchannelLogoutUri === null
          ? false
          : (changes.backchannelLogoutSessionRequired ?? metadata.backchannel_logout_session_required ?? false),
        logoUri: kept(changes.logoUri, metadata.logo_uri),
        policyUri: kept(changes.policyUri, metadata.policy_uri),
        tosUri: kept(changes.tosUri, metadata.tos_uri),
      };
      const registration = await validateKeys(validateRegistration(merged), outbound);
      const updated = await queries.updateClient(clientId, {
        name: registration.name,
        first_party: registration.firstParty,
        require_mfa: registration.requireMfa,
        require_phishing_resistant: registration.requirePhishingResistant,
        system_api_delegation: registration.systemApiDelegation,
        metadata: buildClientMetadata(registration),
      });
      changed();
      if (!updated) throw notFound('no client with this id');
      return updated;
    },

    /** Replaces a confidential client's secret at once; the new one is returned once and stored hashed. */
    async rotateSecret(clientId: string): Promise<{ client: ClientRow; clientSecret: string }> {
      const current = await queries.findClientById(clientId);
      if (!current) throw notFound('no client with this id');
      if (!CLIENT_TYPE_PROFILES[current.type].confidential) {
        throw new AppError('PUBLIC_CLIENT', 409, `a ${current.type} client is public and has no secret`);
      }
      const clientSecret = newSecretToken();
      const client = await queries.updateClient(clientId, { secret_hash: sha256(clientSecret) });
      changed();
      if (!client) throw notFound('no client with this id');
      return { client, clientSecret };
    },

    async deleteClient(clientId: string): Promise<void> {
      const deleted = await queries.deleteClient(clientId);
      changed();
      if (!deleted) throw notFound('no client with this id');
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
