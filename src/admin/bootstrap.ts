import { diffFields, MASKED, recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { ClientService } from '../clients/service.js';
import { AppError } from '../errors/app-error.js';
import type { ResourceService } from '../rbac/resource-service.js';
import type { RoleService } from '../rbac/role-service.js';
import { ensureSystemResources } from '../rbac/system-resources.js';

/** The role that carries every permission of the server's own APIs. */
export const ADMIN_ROLE = 'idp-admin';

export interface BootstrappedAdmin {
  client_id: string;
  client_secret: string;
  token_endpoint: string;
  admin_api: string;
  check_api: string;
  role: string;
}

/**
 * Creates the first admin client: a machine client holding the `idp-admin` role (admin:read,
 * admin:write, authz:check). Refused with 409 once a client holds that role, unless forced, so a
 * leaked shell history cannot be replayed into a second admin quietly.
 */
export async function bootstrapAdminClient(
  deps: { clients: ClientService; roles: RoleService; resources: ResourceService; audit: AuditRecorder },
  issuer: string,
  options: { name?: string; force?: boolean; actor: Actor },
): Promise<BootstrappedAdmin> {
  const { actor } = options;
  const { apis, role } = await ensureAdminRole(deps, issuer, actor);
  if (!options.force && (await deps.roles.listHolders(role.id)).some((holder) => holder.subject_type === 'client')) {
    throw new AppError('ALREADY_BOOTSTRAPPED', 409, 'an admin client exists already: create more through the admin API, or pass --force');
  }
  const { client, clientSecret } = await deps.clients.createClient({
    name: options.name ?? 'Admin API client',
    type: 'machine',
    redirectUris: [],
    postLogoutRedirectUris: [],
  });
  await recordChange(deps.audit, {
    type: 'client.created',
    actor,
    target: { type: 'client', id: client.client_id, name: client.name },
    clientId: client.client_id,
    changes: diffFields(undefined, { name: client.name, type: client.type, client_secret: MASKED }, { secret: ['client_secret'] }),
  });
  await deps.roles.assign(role.id, { type: 'client', id: client.client_id }, actor);
  return {
    client_id: client.client_id,
    client_secret: clientSecret!,
    token_endpoint: `${issuer}/token`,
    admin_api: apis.admin.identifier,
    check_api: apis.authz.identifier,
    role: ADMIN_ROLE,
  };
}

/** The `idp-admin` role with every permission of the server's own APIs, made when missing. */
async function ensureAdminRole(deps: { roles: RoleService; resources: ResourceService }, issuer: string, actor: Actor) {
  const apis = await ensureSystemResources(deps.resources, issuer);
  const role =
    (await deps.roles.findRoleByName(ADMIN_ROLE)) ??
    (await deps.roles.createRole({ name: ADMIN_ROLE, description: 'Everything in the admin API and the permission check API' }, actor));
  const permissionIds: string[] = [];
  for (const api of [apis.admin, apis.authz]) {
    for (const permission of api.permissions) {
      const found = await deps.resources.findPermission(api.identifier, permission.name);
      if (found) permissionIds.push(found.id);
    }
  }
  await deps.roles.addPermissions(role.id, permissionIds, actor);
  return { apis, role };
}

/**
 * The first start's administrator account gets the `idp-admin` role, so the person who started the
 * server can sign in to the admin console (/admin) with the printed password (docs/console.md).
 */
export async function giveFirstAdministratorTheRole(
  deps: { roles: RoleService; resources: ResourceService },
  issuer: string,
  accountId: string,
  actor: Actor,
): Promise<void> {
  const { role } = await ensureAdminRole(deps, issuer, actor);
  await deps.roles.assign(role.id, { type: 'account', id: accountId }, actor);
}
