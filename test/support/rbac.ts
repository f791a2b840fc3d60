import type { Actor } from '../../src/audit/changes.js';
import type { Container } from '../../src/container.js';

export const TEST_ACTOR: Actor = { type: 'system', id: 'test' };

/** Declares an API with permissions and returns its permission ids by name. */
export async function defineApi(container: Container, identifier: string, permissions: string[]) {
  const resource = await container.resources.createResource({ identifier, name: identifier, permissions: permissions.map((name) => ({ name })) }, TEST_ACTOR);
  const ids = Object.fromEntries(resource.permissions.map((permission) => [permission.name, permission.id]));
  return { resource, ids };
}

/** Makes a role holding the given permission ids. */
export async function defineRole(container: Container, name: string, permissionIds: string[]) {
  const role = await container.roles.createRole({ name }, TEST_ACTOR);
  await container.roles.addPermissions(role.id, permissionIds, TEST_ACTOR);
  return role;
}

/**
 * Declares an API and lets a machine client hold all of the given permissions on it through a role,
 * as an operator would for a service account.
 */
export async function grantClientApi(container: Container, clientId: string, identifier: string, permissions: string[], options: { tokenFormat?: 'jwt' | 'opaque' } = {}) {
  const resource = await container.resources.createResource(
    { identifier, name: identifier, tokenFormat: options.tokenFormat, permissions: permissions.map((name) => ({ name })) },
    TEST_ACTOR,
  );
  const role = await container.roles.createRole({ name: `${identifier} client ${clientId}` }, TEST_ACTOR);
  await container.roles.addPermissions(role.id, resource.permissions.map((permission) => permission.id), TEST_ACTOR);
  await container.roles.assign(role.id, { type: 'client', id: clientId }, TEST_ACTOR);
  return resource;
}
