import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { parseInput } from '../http/validate.js';
import { permissionNameSchema } from '../rbac/schemas.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { everything, permissionOf, resourceWithIdentifier } from './lookup.js';

export const addPermission: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { description: { type: 'string' } }, strict: true });
  if (positionals.length !== 2) throw new UsageError('permission add needs the API identifier and the permission name');
  const resource = await resourceWithIdentifier(context, positionals[0]);
  const name = parseInput(permissionNameSchema, positionals[1]);
  const permission = await context.resources.addPermission(resource.id, { name, description: values.description }, CLI_ACTOR);
  return { data: permission, text: `${resource.identifier} now declares ${permission.name}.` };
};

export const listPermissions: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('permission list needs the API identifier');
  const resource = await resourceWithIdentifier(context, positionals[0]);
  const permissions = await everything((page) => context.resources.listPermissionsPage(resource.id, page));
  return { data: permissions, text: permissions.length ? permissions.map((permission) => permission.name).join('\n') : 'No permissions yet.' };
};

export const removePermission: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 2) throw new UsageError('permission remove needs the API identifier and the permission name');
  const permission = await permissionOf(context, positionals[0], positionals[1]);
  await context.resources.deletePermission(permission.resource_id, permission.id, CLI_ACTOR);
  return { data: { resource: positionals[0], name: permission.name, deleted: true }, text: `Removed ${permission.name} from ${positionals[0]}, its roles and its object grants.` };
};
