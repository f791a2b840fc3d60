import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { parseInput } from '../http/validate.js';
import { permissionNameSchema, resourceIdentifierSchema } from '../rbac/schemas.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { everything, onePositional, resourceWithIdentifier } from './lookup.js';

export const createResource: Command = async (context, { args }) => {
  const { values } = parseArgs({
    args,
    options: {
      identifier: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      permission: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'token-ttl': { type: 'string' },
      opaque: { type: 'boolean' },
      'resource-server': { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (!values.identifier) throw new UsageError('resource create needs --identifier (the audience URI, e.g. https://api.example.com)');
  const ttl = values['token-ttl'] === undefined ? undefined : Number(values['token-ttl']);
  if (ttl !== undefined && !Number.isInteger(ttl)) throw new UsageError('--token-ttl must be a whole number of seconds');
  const names = [...new Set([...(values.permission ?? []), ...(values.scope ?? [])].flatMap((value) => value.split(' ')).filter(Boolean))];
  const identifier = parseInput(resourceIdentifierSchema, values.identifier);
  for (const name of names) parseInput(permissionNameSchema, name);
  const resource = await context.resources.createResource(
    { identifier, name: values.name, description: values.description, permissions: names.map((name) => ({ name })), accessTokenTtl: ttl, tokenFormat: values.opaque ? 'opaque' : 'jwt', resourceServers: values['resource-server'] },
    CLI_ACTOR,
  );
  const permissions = resource.permissions.map((permission) => permission.name).sort();
  return { data: resource, text: `Created API resource ${resource.identifier} with permissions: ${permissions.join(' ') || '(none)'}.` };
};

export const listResources: Command = async (context) => {
  const resources = await everything((page) => context.resources.listResourcesPage(page));
  return {
    data: resources,
    text: resources.length ? resources.map((resource) => `${resource.identifier}  ${resource.name}${resource.system ? '  (server)' : ''}`).join('\n') : 'No API resources yet.',
  };
};

export const showResource: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const resource = await resourceWithIdentifier(context, onePositional(positionals, 'resource show needs the identifier'));
  const detail = await context.resources.getResource(resource.id);
  const lines = [`${detail.identifier}  ${detail.name}`, ...detail.permissions.map((permission) => `  ${permission.name}${permission.description ? `  ${permission.description}` : ''}`)];
  return { data: detail, text: lines.join('\n') };
};

export const deleteResource: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const resource = await resourceWithIdentifier(context, onePositional(positionals, 'resource delete needs the identifier'));
  await context.resources.deleteResource(resource.id, CLI_ACTOR);
  return { data: { identifier: resource.identifier, deleted: true }, text: `Deleted API resource ${resource.identifier} and its permissions.` };
};
