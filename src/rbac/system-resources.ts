import type { ResourceService, SystemResource } from './resource-service.js';

/**
 * The APIs this server offers and protects with its own RBAC. Their identifiers derive from the
 * issuer, so they are stable for an installation and unique across installations.
 */
export function systemResources(issuer: string) {
  return {
    admin: {
      identifier: `${issuer}/admin/api`,
      name: 'Admin API',
      permissions: [
        { name: 'admin:read', description: 'Read everything the admin API shows' },
        { name: 'admin:write', description: 'Change everything the admin API manages' },
      ],
    },
    authz: {
      identifier: `${issuer}/api/authz`,
      name: 'Permission check API',
      permissions: [{ name: 'authz:check', description: 'Ask whether a subject may do something' }],
    },
    scim: {
      identifier: `${issuer}/scim/v2`,
      name: 'SCIM provisioning API',
      permissions: [{ name: 'scim:provision', description: 'Provision users and groups as the directory linked to the client (docs/scim.md)' }],
    },
  } satisfies Record<string, SystemResource>;
}

export type SystemResources = ReturnType<typeof systemResources>;

/** Registers (or completes) the server's own API resources; safe to run on every start. */
export async function ensureSystemResources(resources: ResourceService, issuer: string): Promise<SystemResources> {
  const definitions = systemResources(issuer);
  for (const definition of Object.values(definitions)) await resources.ensureSystemResource(definition);
  return definitions;
}
