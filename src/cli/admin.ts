import { parseArgs } from 'node:util';
import { bootstrapAdminClient } from '../admin/bootstrap.js';
import { CLI_ACTOR } from '../audit/changes.js';
import type { Command } from './context.js';

/** admin bootstrap: the first client of the admin API, printed once. */
export const bootstrapAdmin: Command = async (context, { args }) => {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, force: { type: 'boolean' } }, strict: true });
  const admin = await bootstrapAdminClient(context, context.config.issuer, { name: values.name, force: values.force, actor: CLI_ACTOR });
  const text = [
    `client_id:     ${admin.client_id}`,
    `client_secret: ${admin.client_secret}`,
    'Store the secret now: it is kept only as a hash and cannot be shown again.',
    '',
    `Get a token (client credentials, client_secret_basic) at ${admin.token_endpoint}`,
    `  for the admin API:        resource=${admin.admin_api}`,
    `  for the permission check: resource=${admin.check_api}`,
  ].join('\n');
  return { data: admin, text };
};
