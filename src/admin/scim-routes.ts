import type { DirectoryRow } from '../scim/queries/directories.js';
import type { AdminDeps } from './deps.js';
import { route, type AdminRoute } from './route-kit.js';
import { createDirectorySchema, createTokenSchema, directorySchema, issuedTokenSchema, provisioningTokenSchema, updateDirectorySchema } from './scim-schemas.js';
import { z } from 'zod';

const present = (directory: DirectoryRow, counts?: { users: number; groups: number }) => ({
  id: directory.id,
  name: directory.name,
  client_id: directory.client_id,
  send_invitations: directory.send_invitations,
  ...(counts ?? {}),
  created_at: directory.created_at,
  updated_at: directory.updated_at,
});

/** SCIM directories (sources of provisioned accounts) and their provisioning tokens (docs/scim.md). */
export function scimRoutes(deps: AdminDeps): AdminRoute[] {
  const directories = deps.scimDirectories;
  return [
    route({
      method: 'get', path: '/scim/directories', tag: 'scim', summary: 'List SCIM directories', response: z.object({ items: z.array(directorySchema) }),
      handler: async () => ({ items: (await directories.listDirectories()).map((directory) => present(directory)) }),
    }),
    route({
      method: 'post', path: '/scim/directories', tag: 'scim', summary: 'Create a SCIM directory', body: createDirectorySchema, status: 201, response: directorySchema,
      handler: async ({ body, actor }) => present(await directories.createDirectory({ name: body.name, clientId: body.client_id, sendInvitations: body.send_invitations }, actor)),
    }),
    route({
      method: 'get', path: '/scim/directories/:directoryId', tag: 'scim', summary: 'Get a SCIM directory, with how many users and groups it provisioned', response: directorySchema,
      handler: async ({ params }) => {
        const directory = await directories.requireDirectory(params.directoryId);
        return present(directory, await directories.countMarked(directory));
      },
    }),
    route({
      method: 'patch', path: '/scim/directories/:directoryId', tag: 'scim', summary: 'Rename a directory, link or unlink its OAuth client, or turn invitations on or off', body: updateDirectorySchema, response: directorySchema,
      handler: async ({ params, body, actor }) =>
        present(await directories.updateDirectory(params.directoryId, { name: body.name, clientId: body.client_id, sendInvitations: body.send_invitations }, actor)),
    }),
    route({
      method: 'delete', path: '/scim/directories/:directoryId', tag: 'scim', summary: 'Delete a directory and its tokens (its accounts and groups stay, no longer provisioned)', status: 204,
      handler: ({ params, actor }) => directories.deleteDirectory(params.directoryId, actor),
    }),
    route({
      method: 'get', path: '/scim/directories/:directoryId/tokens', tag: 'scim', summary: "List a directory's provisioning tokens (never their values)", response: z.object({ items: z.array(provisioningTokenSchema) }),
      handler: async ({ params }) => ({ items: await directories.listTokens(params.directoryId) }),
    }),
    route({
      method: 'post', path: '/scim/directories/:directoryId/tokens', tag: 'scim', summary: 'Create a provisioning token; its value is in this response only', body: createTokenSchema, status: 201, response: issuedTokenSchema,
      handler: ({ params, body, actor }) => directories.createToken(params.directoryId, { label: body.label, expiresAt: body.expires_at ? new Date(body.expires_at) : null }, actor),
    }),
    route({
      method: 'post', path: '/scim/directories/:directoryId/tokens/:tokenId/rotate', tag: 'scim', summary: 'Replace a provisioning token: a new value now, the old one stops working at once', status: 201, response: issuedTokenSchema,
      handler: ({ params, actor }) => directories.rotateToken(params.directoryId, params.tokenId, actor),
    }),
    route({
      method: 'delete', path: '/scim/directories/:directoryId/tokens/:tokenId', tag: 'scim', summary: 'Revoke a provisioning token', status: 204,
      handler: ({ params, actor }) => directories.revokeToken(params.directoryId, params.tokenId, actor),
    }),
  ];
}
