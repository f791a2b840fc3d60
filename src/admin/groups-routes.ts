import type { AdminDeps } from './deps.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';
import { createGroupSchema, groupSchema, memberSchema, roleAssignmentSchema, updateGroupSchema } from './schemas.js';

export function groupRoutes(deps: AdminDeps): AdminRoute[] {
  const { groups, roles } = deps;
  return [
    route({
      method: 'get', path: '/groups', tag: 'groups', summary: 'List groups', query: pageQuery, response: pageSchema(groupSchema),
      handler: async ({ query }) => pageOf(await groups.listGroupsPage(query), (group) => group),
    }),
    route({
      method: 'post', path: '/groups', tag: 'groups', summary: 'Create a group', body: createGroupSchema, status: 201, response: groupSchema,
      handler: ({ body, actor }) => groups.createGroup(body, actor),
    }),
    route({
      method: 'get', path: '/groups/:groupId', tag: 'groups', summary: 'Get a group', response: groupSchema,
      handler: ({ params }) => groups.requireGroup(params.groupId),
    }),
    route({
      method: 'patch', path: '/groups/:groupId', tag: 'groups', summary: 'Rename or describe a group', body: updateGroupSchema, response: groupSchema,
      handler: ({ params, body, actor }) => groups.updateGroup(params.groupId, body, actor),
    }),
    route({
      method: 'delete', path: '/groups/:groupId', tag: 'groups', summary: 'Delete a group (its members leave it)', status: 204,
      handler: ({ params, actor }) => groups.deleteGroup(params.groupId, actor),
    }),
    route({
      method: 'get', path: '/groups/:groupId/members', tag: 'groups', summary: "List a group's direct members", query: pageQuery, response: pageSchema(memberSchema),
      handler: async ({ params, query }) => pageOf(await groups.listMembersPage(params.groupId, query), (member) => member),
    }),
    route({
      method: 'put', path: '/groups/:groupId/members/accounts/:accountId', tag: 'groups', summary: 'Add an account to a group', status: 204,
      handler: async ({ params, actor }) => void (await groups.addMember(params.groupId, { type: 'account', id: params.accountId }, actor)),
    }),
    route({
      method: 'delete', path: '/groups/:groupId/members/accounts/:accountId', tag: 'groups', summary: 'Remove an account from a group', status: 204,
      handler: ({ params, actor }) => groups.removeMember(params.groupId, { type: 'account', id: params.accountId }, actor),
    }),
    route({
      method: 'put', path: '/groups/:groupId/members/groups/:memberGroupId', tag: 'groups',
      summary: 'Nest a group in a group (409 MEMBERSHIP_CYCLE if it would make a loop)', status: 204,
      handler: async ({ params, actor }) => void (await groups.addMember(params.groupId, { type: 'group', id: params.memberGroupId }, actor)),
    }),
    route({
      method: 'delete', path: '/groups/:groupId/members/groups/:memberGroupId', tag: 'groups', summary: 'Take a nested group out of a group', status: 204,
      handler: ({ params, actor }) => groups.removeMember(params.groupId, { type: 'group', id: params.memberGroupId }, actor),
    }),
    route({
      method: 'get', path: '/groups/:groupId/roles', tag: 'groups', summary: 'List the roles a group holds', query: pageQuery, response: pageSchema(roleAssignmentSchema),
      handler: async ({ params, query }) => pageOf(await roles.listAssignmentsPage({ type: 'group', id: params.groupId }, query), (assignment) => assignment),
    }),
    route({
      method: 'put', path: '/groups/:groupId/roles/:roleId', tag: 'groups', summary: 'Give a role to a group (and so to its members)', status: 204,
      handler: async ({ params, actor }) => void (await roles.assign(params.roleId, { type: 'group', id: params.groupId }, actor)),
    }),
    route({
      method: 'delete', path: '/groups/:groupId/roles/:roleId', tag: 'groups', summary: 'Take a role from a group', status: 204,
      handler: ({ params, actor }) => roles.unassign(params.roleId, { type: 'group', id: params.groupId }, actor),
    }),
  ];
}
