import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { parseInput } from '../http/validate.js';
import { nameSchema } from '../rbac/schemas.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { everything, holderFrom, onePositional, permissionOf, roleNamed } from './lookup.js';

const HOLDER_OPTIONS = { user: { type: 'string' }, group: { type: 'string' }, client: { type: 'string' } } as const;

export const createRole: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { description: { type: 'string' } }, strict: true });
  const name = parseInput(nameSchema, onePositional(positionals, 'role create needs the role name'));
  const role = await context.roles.createRole({ name, description: values.description }, CLI_ACTOR);
  return { data: role, text: `Created role ${role.name}.` };
};

export const listRoles: Command = async (context) => {
  const roles = await everything((page) => context.roles.listRolesPage(page));
  return { data: roles, text: roles.length ? roles.map((role) => role.name).join('\n') : 'No roles yet.' };
};

export const showRole: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const role = await roleNamed(context, onePositional(positionals, 'role show needs the role name'));
  const detail = await context.roles.getRole(role.id);
  const holders = await everything((page) => context.roles.listHoldersPage(role.id, page));
  const lines = [
    role.name,
    ...detail.permissions.map((permission) => `  permission ${permission.resource} ${permission.name}`),
    ...holders.map((holder) => `  held by ${holder.subject_type} ${holder.subject_id}`),
  ];
  return { data: { ...detail, holders }, text: lines.join('\n') };
};

export const deleteRole: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const role = await roleNamed(context, onePositional(positionals, 'role delete needs the role name'));
  await context.roles.deleteRole(role.id, CLI_ACTOR);
  return { data: { name: role.name, deleted: true }, text: `Deleted role ${role.name}.` };
};

/** role add-permission ROLE --resource URI PERMISSION... */
export const addRolePermissions: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { resource: { type: 'string' } }, strict: true });
  if (!values.resource || positionals.length < 2) throw new UsageError('role add-permission needs the role name, --resource URI and one or more permission names');
  const role = await roleNamed(context, positionals[0]);
  const ids = [];
  for (const name of positionals.slice(1)) ids.push((await permissionOf(context, values.resource, name)).id);
  const permissions = await context.roles.addPermissions(role.id, ids, CLI_ACTOR);
  return { data: permissions, text: `Role ${role.name} now holds: ${permissions.map((permission) => permission.name).join(' ')}.` };
};

export const removeRolePermission: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { resource: { type: 'string' } }, strict: true });
  if (!values.resource || positionals.length !== 2) throw new UsageError('role remove-permission needs the role name, --resource URI and the permission name');
  const role = await roleNamed(context, positionals[0]);
  const permission = await permissionOf(context, values.resource, positionals[1]);
  await context.roles.removePermission(role.id, permission.id, CLI_ACTOR);
  return { data: { role: role.name, resource: values.resource, permission: permission.name, removed: true }, text: `Role ${role.name} no longer holds ${permission.name}.` };
};

export const assignRole: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: HOLDER_OPTIONS, strict: true });
  const role = await roleNamed(context, onePositional(positionals, 'role assign needs the role name and one of --user, --group, --client'));
  const holder = await holderFrom(context, values, true);
  const added = await context.roles.assign(role.id, holder, CLI_ACTOR);
  return { data: { role: role.name, holder: { type: holder.type, id: holder.id }, added }, text: `${holder.type} ${holder.label} ${added ? 'now holds' : 'already held'} role ${role.name}.` };
};

export const unassignRole: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: HOLDER_OPTIONS, strict: true });
  const role = await roleNamed(context, onePositional(positionals, 'role unassign needs the role name and one of --user, --group, --client'));
  const holder = await holderFrom(context, values, true);
  await context.roles.unassign(role.id, holder, CLI_ACTOR);
  return { data: { role: role.name, holder: { type: holder.type, id: holder.id }, removed: true }, text: `${holder.type} ${holder.label} no longer holds role ${role.name}.` };
};
