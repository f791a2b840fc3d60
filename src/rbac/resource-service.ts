import { CLIENT_TYPE_PROFILES } from '../clients/metadata.js';
import type { ClientType } from '../clients/queries.js';
import { recordChange, diffFields, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import { newUuid } from '../shared/ids.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import { getUnlessMissing, type AccessCache } from './access-cache.js';
import type { RbacQueries } from './queries.js';
import type { ApiResourceRow, PermissionRow } from './queries/resources.js';
import { isUuid, type SubjectDirectory } from './subjects.js';

export { MAX_RESOURCE_TOKEN_TTL } from './schemas.js';

export interface PermissionInput {
  name: string;
  description?: string | null;
}

export interface ResourceInput {
  identifier: string;
  name?: string;
  description?: string | null;
  accessTokenTtl?: number | null;
  tokenFormat?: 'jwt' | 'opaque';
  permissions?: PermissionInput[];
  /** Client ids registered as this API's resource servers (they may introspect its tokens). */
  resourceServers?: string[];
}

export type ResourceChanges = Partial<Pick<ResourceInput, 'name' | 'description' | 'accessTokenTtl' | 'tokenFormat' | 'resourceServers'>>;

export interface ResourceDetail extends ApiResourceRow {
  permissions: PermissionRow[];
}

/** An API the server registers for itself, such as the admin API. */
export interface SystemResource {
  identifier: string;
  name: string;
  permissions: PermissionInput[];
}

const resourceNotFound = () => notFound('no API resource with this id');
export type ResourceWithPermissions = NonNullable<Awaited<ReturnType<RbacQueries['findResourceWithPermissions']>>>;

const permissionNotFound = () => notFound('no permission with this id on this API resource');

/**
 * API resources (RFC 8707 resource indicators): the audiences of access tokens, and the permissions
 * each declares. Every change is written to the audit log with the actor.
 */
export function createResourceService(deps: {
  queries: RbacQueries;
  audit: AuditRecorder;
  /** Resolves the clients named as resource servers. */
  directory?: Pick<SubjectDirectory, 'findClient'>;
  onChange?: () => void;
  /** Read-through cache for the token endpoint's lookup; invalidated by the caller on every RBAC write. */
  tokenLookupCache?: AccessCache<ResourceWithPermissions>;
}) {
  const { queries, audit } = deps;
  const changed = deps.onChange ?? (() => undefined);

  async function requireResource(id: string): Promise<ApiResourceRow> {
    const resource = isUuid(id) ? await queries.findResourceById(id) : undefined;
    if (!resource) throw resourceNotFound();
    return resource;
  }

  /**
   * Rule (RFC 7662 §2.1): introspection needs client authentication, so only clients that hold a
   * secret (web apps, machines) can be an API's resource servers; each must exist.
   */
  async function resourceServerIds(clientIds: string[] | undefined): Promise<string[]> {
    const ids = [...new Set(clientIds ?? [])];
    for (const [index, clientId] of ids.entries()) {
      const client = await deps.directory?.findClient(clientId);
      if (!client || !CLIENT_TYPE_PROFILES[client.type as ClientType]?.confidential) {
        throw new AppError('INVALID_RESOURCE_SERVER', 400, `resource_server_client_ids.${index}: no confidential client with this id`, { details: { field: `resource_server_client_ids.${index}` } });
      }
    }
    return ids;
  }

  function assertNotSystem(resource: ApiResourceRow) {
    if (resource.system) throw new AppError('SYSTEM_RESOURCE', 409, 'this API resource belongs to the server itself and cannot be changed');
  }

  return {
    /**
     * What oidc-provider needs per token request: the resource and its permission names. Read through
     * the cache when there is one; an unknown identifier is never cached, so a resource created
     * elsewhere is usable at once.
     */
    async findByIdentifier(identifier: string): Promise<ResourceWithPermissions | undefined> {
      if (!deps.tokenLookupCache) return queries.findResourceWithPermissions(identifier);
      return getUnlessMissing(deps.tokenLookupCache, identifier);
    },
    findResourceByIdentifier: (identifier: string) => queries.findResourceByIdentifier(identifier),
    listResources: () => queries.listResources(),
    listResourcesPage: (page: PageRequest) => queries.listResourcesPage(page),

    async getResource(id: string): Promise<ResourceDetail> {
      const resource = await requireResource(id);
      return { ...resource, permissions: await queries.listPermissions(id) };
    },

    async createResource(input: ResourceInput, actor: Actor): Promise<ResourceDetail> {
      if (await queries.findResourceByIdentifier(input.identifier)) throw conflict('an API resource with this identifier already exists');
      const names = new Set<string>();
      for (const permission of input.permissions ?? []) {
        if (names.has(permission.name)) throw conflict(`permission ${permission.name} is listed twice`);
        names.add(permission.name);
      }
      const servers = await resourceServerIds(input.resourceServers);
      const detail = await queries.transaction(async (trx) => {
        const resource = await trx.insertResource({
          id: newUuid(),
          identifier: input.identifier,
          name: input.name ?? input.identifier,
          description: input.description ?? null,
          access_token_ttl: input.accessTokenTtl ?? null,
          token_format: input.tokenFormat ?? 'jwt',
          system: false,
          resource_server_client_ids: servers,
        });
        const permissions = await trx.insertPermissions(
          (input.permissions ?? []).map((permission) => ({
            id: newUuid(),
            resource_id: resource.id,
            name: permission.name,
            description: permission.description ?? null,
          })),
        );
        return { ...resource, permissions };
      });
      changed();
      await recordChange(audit, {
        type: 'resource.created',
        actor,
        target: { type: 'resource', id: detail.id, name: detail.identifier },
        changes: diffFields(undefined, { ...detail, permissions: detail.permissions.map((permission) => permission.name) }, { ignore: ['id'] }),
      });
      return detail;
    },

    async updateResource(id: string, changes: ResourceChanges, actor: Actor): Promise<ApiResourceRow> {
      const before = await requireResource(id);
      assertNotSystem(before);
      const after = await queries.updateResource(id, {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.accessTokenTtl !== undefined ? { access_token_ttl: changes.accessTokenTtl } : {}),
        ...(changes.tokenFormat !== undefined ? { token_format: changes.tokenFormat } : {}),
        ...(changes.resourceServers !== undefined ? { resource_server_client_ids: await resourceServerIds(changes.resourceServers) } : {}),
      });
      if (!after) throw resourceNotFound();
      changed();
      await recordChange(audit, {
        type: 'resource.updated',
        actor,
        target: { type: 'resource', id, name: after.identifier },
        changes: diffFields(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>),
      });
      return after;
    },

    async deleteResource(id: string, actor: Actor): Promise<void> {
      const before = await requireResource(id);
      assertNotSystem(before);
      await queries.deleteResource(id);
      changed();
      await recordChange(audit, {
        type: 'resource.deleted',
        actor,
        target: { type: 'resource', id, name: before.identifier },
        changes: diffFields(before as unknown as Record<string, unknown>, undefined, { ignore: ['id'] }),
      });
    },

    async listPermissionsPage(resourceId: string, page: PageRequest): Promise<Page<PermissionRow>> {
      await requireResource(resourceId);
      return queries.listPermissionsPage(resourceId, page);
    },

    async getPermission(resourceId: string, permissionId: string): Promise<PermissionRow> {
      const permission = isUuid(permissionId) ? await queries.findPermissionById(permissionId) : undefined;
      if (!permission || permission.resource_id !== resourceId) throw permissionNotFound();
      return permission;
    },

    /** Finds a permission by the resource's identifier and its name (the CLI and the check API name them). */
    async findPermission(resourceIdentifier: string, name: string): Promise<PermissionRow | undefined> {
      const resource = await queries.findResourceByIdentifier(resourceIdentifier);
      return resource ? queries.findPermissionByName(resource.id, name) : undefined;
    },

    async addPermission(resourceId: string, input: PermissionInput, actor: Actor): Promise<PermissionRow> {
      const resource = await requireResource(resourceId);
      assertNotSystem(resource);
      if (await queries.findPermissionByName(resourceId, input.name)) throw conflict('this API resource already declares a permission with this name');
      const [permission] = await queries.insertPermissions([
        { id: newUuid(), resource_id: resourceId, name: input.name, description: input.description ?? null },
      ]);
      changed();
      await recordChange(audit, {
        type: 'permission.created',
        actor,
        target: { type: 'permission', id: permission.id, name: `${resource.identifier} ${permission.name}` },
        changes: diffFields(undefined, permission as unknown as Record<string, unknown>, { ignore: ['id'] }),
      });
      return permission;
    },

    async updatePermission(resourceId: string, permissionId: string, changes: Partial<PermissionInput>, actor: Actor): Promise<PermissionRow> {
      const resource = await requireResource(resourceId);
      const before = isUuid(permissionId) ? await queries.findPermissionById(permissionId) : undefined;
      if (!before || before.resource_id !== resourceId) throw permissionNotFound();
      assertNotSystem(resource);
      if (changes.name !== undefined && changes.name !== before.name && (await queries.findPermissionByName(resourceId, changes.name))) {
        throw conflict('this API resource already declares a permission with this name');
      }
      const after = await queries.updatePermission(permissionId, {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
      });
      if (!after) throw permissionNotFound();
      changed();
      await recordChange(audit, {
        type: 'permission.updated',
        actor,
        target: { type: 'permission', id: permissionId, name: `${resource.identifier} ${after.name}` },
        changes: diffFields(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>),
      });
      return after;
    },

    async deletePermission(resourceId: string, permissionId: string, actor: Actor): Promise<void> {
      const resource = await requireResource(resourceId);
      const before = isUuid(permissionId) ? await queries.findPermissionById(permissionId) : undefined;
      if (!before || before.resource_id !== resourceId) throw permissionNotFound();
      assertNotSystem(resource);
      await queries.deletePermission(permissionId);
      changed();
      await recordChange(audit, {
        type: 'permission.deleted',
        actor,
        target: { type: 'permission', id: permissionId, name: `${resource.identifier} ${before.name}` },
        changes: diffFields(before as unknown as Record<string, unknown>, undefined, { ignore: ['id'] }),
      });
    },

    /**
     * Registers an API of the server itself (idempotent): creates it on first start, adds permissions
     * a newer version declares, and never removes anything.
     */
    async ensureSystemResource(definition: SystemResource): Promise<ApiResourceRow> {
      const resource =
        (await queries.findResourceByIdentifier(definition.identifier)) ??
        (await queries.insertResourceIfAbsent({
          id: newUuid(),
          identifier: definition.identifier,
          name: definition.name,
          description: null,
          access_token_ttl: null,
          token_format: 'jwt',
          system: true,
          resource_server_client_ids: [],
        }));
      const have = new Set((await queries.listPermissions(resource.id)).map((permission) => permission.name));
      const missing = definition.permissions.filter((permission) => !have.has(permission.name));
      await queries.insertPermissions(
        missing.map((permission) => ({ id: newUuid(), resource_id: resource.id, name: permission.name, description: permission.description ?? null })),
        { skipExisting: true },
      );
      return resource;
    },
  };
}

export type ResourceService = ReturnType<typeof createResourceService>;
