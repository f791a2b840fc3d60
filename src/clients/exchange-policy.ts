import { recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, notFound } from '../errors/app-error.js';
import type { ClientRow } from './queries.js';
import type { ExchangePolicyQueries, ExchangeTargetRow } from './exchange-policy-queries.js';

/** One target of a client's token exchange policy, as the admin API and CLI speak of it. */
export interface ExchangeTarget {
  /** The API's identifier (RFC 8707 resource indicator). */
  resource: string;
  /** Only these of the API's permissions; undefined: any the subject token carries. */
  scopes?: string[];
}

interface ResourceLookup {
  findByIdentifier(identifier: string): Promise<{ id: string; identifier: string; system: boolean; permissions: string[] } | undefined>;
}

const present = (row: ExchangeTargetRow): ExchangeTarget => ({ resource: row.identifier, ...(row.scopes ? { scopes: row.scopes } : {}) });

/**
 * RFC 8693 token exchange policy: which confidential client may exchange a person's access token
 * for a token addressed to which API, and optionally for which of its permissions. No policy, no
 * exchange. Rule: the server's own APIs (admin, check, SCIM) are never a target: a person consented
 * to the client that got the first token, not to the services it calls, and those APIs accept a
 * person's token only under the delegation rule of docs/rbac.md.
 */
export function createExchangePolicyService(deps: {
  queries: ExchangePolicyQueries;
  resources: ResourceLookup;
  findClient(clientId: string): Promise<ClientRow | undefined>;
  audit: AuditRecorder;
}) {
  async function requireClient(clientId: string): Promise<ClientRow> {
    const client = await deps.findClient(clientId);
    if (!client) throw notFound('no such client');
    return client;
  }

  return {
    async policyOf(clientId: string): Promise<ExchangeTarget[]> {
      await requireClient(clientId);
      return (await deps.queries.listExchangeTargets(clientId)).map(present);
    },

    hasPolicy: async (clientId: string) => (await deps.queries.listExchangeTargets(clientId)).length > 0,

    /** The policy row for one target, read at each exchange (no cache: a removal takes effect at once). */
    findTarget: (clientId: string, identifier: string) => deps.queries.findExchangeTarget(clientId, identifier),

    /** Replaces the client's policy; an empty list removes it. */
    async setPolicy(clientId: string, targets: ExchangeTarget[], actor: Actor): Promise<ExchangeTarget[]> {
      const client = await requireClient(clientId);
      if (targets.length && client.metadata.token_endpoint_auth_method === 'none') {
        throw new AppError('PUBLIC_CLIENT', 400, 'token exchange is for confidential clients only; this client is public', { details: { field: 'targets' } });
      }
      const seen = new Set<string>();
      const rows: { resource_id: string; scopes: string[] | null }[] = [];
      for (const [index, target] of targets.entries()) {
        const field = `targets.${index}.resource`;
        if (seen.has(target.resource)) throw new AppError('DUPLICATE_TARGET', 400, `${field}: named twice`, { details: { field } });
        seen.add(target.resource);
        const resource = await deps.resources.findByIdentifier(target.resource);
        if (!resource) throw new AppError('UNKNOWN_RESOURCE', 400, `${field}: no API resource with this identifier`, { details: { field } });
        if (resource.system) throw new AppError('SYSTEM_API_TARGET', 400, `${field}: the server's own APIs are never a token exchange target`, { details: { field } });
        const unknown = (target.scopes ?? []).filter((scope) => !resource.permissions.includes(scope));
        if (unknown.length) {
          const scopesField = `targets.${index}.scopes`;
          throw new AppError('UNKNOWN_PERMISSION', 400, `${scopesField}: not a permission of this API: ${unknown.join(' ')}`, { details: { field: scopesField } });
        }
        rows.push({ resource_id: resource.id, scopes: target.scopes ? [...new Set(target.scopes)] : null });
      }
      const before = (await deps.queries.listExchangeTargets(clientId)).map(present);
      await deps.queries.replaceExchangeTargets(clientId, rows);
      const after = (await deps.queries.listExchangeTargets(clientId)).map(present);
      await recordChange(deps.audit, {
        type: 'client.updated',
        actor,
        clientId,
        target: { type: 'client', id: clientId, name: client.name },
        changes: { token_exchange: { before, after } },
      });
      return after;
    },
  };
}

export type ExchangePolicyService = ReturnType<typeof createExchangePolicyService>;
