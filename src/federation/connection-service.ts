import { diffFields, recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import { isUuid } from '../rbac/subjects.js';
import type { OutboundGuard } from '../outbound/guard.js';
import { newUuid } from '../shared/ids.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { PageRequest } from '../storage/pagination.js';
import { OIDC_ATTRIBUTES, PRESETS, type PresetName } from './presets.js';
import type { ConnectionRow, FederationQueries } from './queries.js';
import type { CreateConnectionInput, UpdateConnectionInput } from './schemas.js';

const invalid = (field: string, message: string) => new AppError('VALIDATION_FAILED', 400, `${field}: ${message}`, { details: { field } });
const connectionNotFound = () => notFound('no connection with this id');
const asRecord = (row: ConnectionRow) => row as unknown as Record<string, unknown>;

/** Where the upstream sends the browser back: register exactly this URL with the provider. */
export const callbackUrl = (issuer: string, slug: string) => `${issuer}/federation/callback/${slug}`;

export interface ConnectionServiceDeps {
  queries: FederationQueries;
  audit: AuditRecorder;
  /** Sealed upstream client secrets (purpose "federation-client-secret"). */
  box: SecretBox;
  findGroup: (id: string) => Promise<unknown>;
  findClient: (clientId: string) => Promise<unknown>;
  outbound: Pick<OutboundGuard, 'problemWith' | 'schemeProblem'>;
}

const URL_FIELDS = ['issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const;

/** Upstream connections: stored, validated, their secrets sealed, every change in the audit trail. */
export function createConnectionService(deps: ConnectionServiceDeps) {
  const { queries, audit, box } = deps;

  async function requireConnection(id: string): Promise<ConnectionRow> {
    const connection = isUuid(id) ? await queries.findConnectionById(id) : undefined;
    if (!connection) throw connectionNotFound();
    return connection;
  }

  /** A complete connection needs its endpoints: an issuer (OIDC), or the three OAuth 2.0 endpoints. */
  function assertComplete(row: Omit<ConnectionRow, 'created_at' | 'updated_at'>) {
    if (row.kind === 'oauth2') {
      for (const field of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const) {
        if (!row[field]) throw invalid(field, 'is required for an OAuth 2.0 connection');
      }
      if (!row.attribute_map.subject) throw invalid('attribute_map.subject', 'name the user-info field that identifies the user (GitHub: id)');
    }
  }

  /**
   * SSRF rule: the URLs this server fetches (an OIDC issuer's discovery, token, user-info) must reach
   * public addresses unless OUTBOUND_ALLOWED_HOSTS names them; every URL is https when the issuer is.
   * Only the fields given are checked, so a later change to the allow-list does not block other edits.
   */
  async function assertDestinations(row: Pick<ConnectionRow, 'kind'> & Partial<Pick<ConnectionRow, (typeof URL_FIELDS)[number]>>) {
    for (const field of URL_FIELDS) {
      const value = row[field];
      if (!value) continue;
      // The browser, not this server, visits the authorization endpoint; an OAuth 2.0 issuer is a label.
      const fetched = field === 'token_endpoint' || field === 'userinfo_endpoint' || (field === 'issuer' && row.kind === 'oidc');
      const problem = fetched ? await deps.outbound.problemWith(value) : deps.outbound.schemeProblem(value);
      if (problem) throw invalid(field, problem);
    }
  }

  async function assertReferences(row: Pick<ConnectionRow, 'id' | 'domains' | 'group_map'>) {
    for (const groupId of new Set(Object.values(row.group_map))) {
      if (!(await deps.findGroup(groupId))) throw invalid('group_map', `no group with id ${groupId}`);
    }
    if (row.domains.length) {
      for (const other of await queries.listConnections()) {
        const taken = other.id !== row.id && other.domains.find((domain) => row.domains.includes(domain));
        if (taken) throw conflict(`the domain ${taken} already belongs to connection ${other.slug}`);
      }
    }
  }

  return {
    requireConnection,
    listConnections: () => queries.listConnections(),
    listConnectionsPage: (page: PageRequest) => queries.listConnectionsPage(page),
    findBySlug: (slug: string) => queries.findConnectionBySlug(slug),

    async createConnection(input: CreateConnectionInput, actor: Actor): Promise<ConnectionRow> {
      const preset = input.preset ? PRESETS[input.preset as PresetName] : undefined;
      const slug = input.slug ?? input.preset;
      if (!slug) throw invalid('slug', 'is required without a preset');
      const kind = input.kind ?? preset?.kind ?? 'oidc';
      const authorizationEndpoint = input.authorization_endpoint ?? preset?.authorization_endpoint ?? null;
      const issuer = input.issuer ?? preset?.issuer ?? (kind === 'oauth2' && authorizationEndpoint ? new URL(authorizationEndpoint).origin : undefined);
      if (!issuer) throw invalid('issuer', 'is required for an OpenID Connect connection');
      if (await queries.findConnectionBySlug(slug)) throw conflict('a connection with this slug already exists');
      const row = {
        id: newUuid(),
        slug,
        display_name: input.display_name ?? preset?.display_name ?? slug,
        kind,
        preset: input.preset ?? null,
        issuer: issuer.replace(/\/$/, ''),
        authorization_endpoint: authorizationEndpoint,
        token_endpoint: input.token_endpoint ?? preset?.token_endpoint ?? null,
        userinfo_endpoint: input.userinfo_endpoint ?? preset?.userinfo_endpoint ?? null,
        client_id: input.client_id,
        client_secret_sealed: input.client_secret ? box.seal(input.client_secret) : null,
        scopes: input.scopes ?? preset?.scopes ?? (kind === 'oidc' ? 'openid email profile' : ''),
        enabled: input.enabled ?? true,
        allow_jit: input.allow_jit ?? true,
        trust_upstream_mfa: input.trust_upstream_mfa ?? false,
        domains: [...new Set(input.domains ?? [])],
        attribute_map: { ...(kind === 'oidc' ? OIDC_ATTRIBUTES : {}), ...preset?.attribute_map, ...input.attribute_map },
        groups_claim: input.groups_claim ?? null,
        group_map: input.group_map ?? {},
      };
      assertComplete(row);
      await assertDestinations(row);
      await assertReferences(row);
      const created = await queries.insertConnection(row);
      await recordChange(audit, {
        type: 'federation.connection_created',
        actor,
        target: { type: 'connection', id: created.id, name: created.slug },
        changes: diffFields(undefined, asRecord(created), { ignore: ['id'], secret: ['client_secret_sealed'] }),
      });
      return created;
    },

    async updateConnection(id: string, input: UpdateConnectionInput, actor: Actor): Promise<ConnectionRow> {
      const before = await requireConnection(id);
      const { client_secret: secret, ...rest } = input;
      const changes: Partial<ConnectionRow> = { ...rest, ...(secret ? { client_secret_sealed: box.seal(secret) } : {}) };
      if (rest.attribute_map) changes.attribute_map = { ...before.attribute_map, ...rest.attribute_map };
      if (rest.domains) changes.domains = [...new Set(rest.domains)];
      const merged = { ...before, ...changes };
      assertComplete(merged);
      await assertDestinations({ kind: merged.kind, ...Object.fromEntries(URL_FIELDS.filter((field) => field in rest).map((field) => [field, rest[field]])) });
      await assertReferences(merged);
      const after = await queries.updateConnection(id, changes);
      if (!after) throw connectionNotFound();
      await recordChange(audit, {
        type: 'federation.connection_updated',
        actor,
        target: { type: 'connection', id, name: after.slug },
        changes: diffFields(asRecord(before), asRecord(after), { secret: ['client_secret_sealed'] }),
      });
      return after;
    },

    async deleteConnection(id: string, actor: Actor): Promise<void> {
      const before = await requireConnection(id);
      await queries.deleteConnection(id);
      await recordChange(audit, {
        type: 'federation.connection_deleted',
        actor,
        target: { type: 'connection', id, name: before.slug },
        changes: diffFields(asRecord(before), undefined, { ignore: ['id'], secret: ['client_secret_sealed'] }),
      });
    },

    /** The upstream client secret in clear, for the token request only. */
    clientSecretOf: (connection: ConnectionRow): string | undefined => (connection.client_secret_sealed ? box.open(connection.client_secret_sealed) : undefined),

    /** Which connections a client offers: null means every enabled one. */
    async clientPolicy(clientId: string): Promise<string[] | null> {
      if (!(await deps.findClient(clientId))) throw notFound('no client with this id');
      return (await queries.findClientPolicy(clientId)) ?? null;
    },

    async setClientPolicy(clientId: string, connectionIds: string[] | null, actor: Actor): Promise<string[] | null> {
      if (!(await deps.findClient(clientId))) throw notFound('no client with this id');
      const unique = connectionIds ? [...new Set(connectionIds)] : null;
      for (const id of unique ?? []) if (!(await queries.findConnectionById(id))) throw invalid('connection_ids', `no connection with id ${id}`);
      const before = (await queries.findClientPolicy(clientId)) ?? null;
      if (unique) await queries.upsertClientPolicy(clientId, unique);
      else await queries.deleteClientPolicy(clientId);
      await recordChange(audit, {
        type: 'federation.client_policy_set',
        actor,
        clientId,
        target: { type: 'client', id: clientId },
        changes: diffFields({ connection_ids: before }, { connection_ids: unique }),
      });
      return unique;
    },

    /** The enabled connections a client offers on its login page. */
    async offeredTo(clientId: string): Promise<ConnectionRow[]> {
      const policy = await queries.findClientPolicy(clientId);
      return (await queries.listConnections()).filter((connection) => connection.enabled && (!policy || policy.includes(connection.id)));
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
