import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

export const createResource: Command = async (context, { args }) => {
  const { values } = parseArgs({
    args,
    options: {
      identifier: { type: 'string' },
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      'token-ttl': { type: 'string' },
      opaque: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.identifier) throw new UsageError('resource create needs --identifier (the audience URI, e.g. https://api.example.com)');
  const ttl = values['token-ttl'] === undefined ? undefined : Number(values['token-ttl']);
  if (ttl !== undefined && !Number.isInteger(ttl)) throw new UsageError('--token-ttl must be a whole number of seconds');
  const resource = await context.resources.createResource(
    {
      identifier: values.identifier,
      name: values.name,
      permissions: [...new Set((values.scope ?? []).flatMap((scope) => scope.split(' ')).filter(Boolean))].map((name) => ({ name })),
      accessTokenTtl: ttl,
      tokenFormat: values.opaque ? 'opaque' : 'jwt',
    },
    CLI_ACTOR,
  );
  return { data: resource, text: `Created API resource ${resource.identifier} with permissions: ${resource.permissions.map((p) => p.name).join(' ') || '(none)'}.` };
};

export const listResources: Command = async (context) => {
  const resources = await context.resources.listResources();
  return {
    data: resources,
    text: resources.length ? resources.map((resource) => `${resource.identifier}  ${resource.name}`).join('\n') : 'No API resources yet.',
  };
};
