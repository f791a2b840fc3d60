import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { presentConnection } from '../admin/connections-routes.js';
import { parseInput } from '../http/validate.js';
import { createConnectionSchema } from '../federation/schemas.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { everything, groupNamed, onePositional } from './lookup.js';

/** `idp connection add`: one command per provider, e.g. `--preset google --client-id ID --client-secret-stdin`. */
export const addConnection: Command = async (context, { args, stdin }) => {
  const { values } = parseArgs({
    args,
    options: {
      preset: { type: 'string' },
      slug: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      issuer: { type: 'string' },
      'authorization-endpoint': { type: 'string' },
      'token-endpoint': { type: 'string' },
      'userinfo-endpoint': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-stdin': { type: 'boolean' },
      scopes: { type: 'string' },
      domain: { type: 'string', multiple: true },
      'subject-claim': { type: 'string' },
      'email-claim': { type: 'string' },
      'email-verified-claim': { type: 'string' },
      'name-claim': { type: 'string' },
      'groups-claim': { type: 'string' },
      'map-group': { type: 'string', multiple: true },
      'no-jit': { type: 'boolean' },
      'trust-mfa': { type: 'boolean' },
      disabled: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values['client-id']) throw new UsageError('connection add needs --client-id');
  let secret: string | undefined;
  if (values['client-secret-stdin']) {
    secret = (stdin ?? '').replace(/\r?\n$/, '');
    if (!secret) throw new UsageError('--client-secret-stdin was given but standard input was empty');
  }
  const groupMap: Record<string, string> = {};
  for (const pair of values['map-group'] ?? []) {
    const [upstream, local] = pair.split('=');
    if (!upstream || !local) throw new UsageError('--map-group takes UPSTREAM_VALUE=LOCAL_GROUP_NAME');
    groupMap[upstream] = (await groupNamed(context, local)).id;
  }
  const attributes = Object.fromEntries(
    Object.entries({ subject: values['subject-claim'], email: values['email-claim'], email_verified: values['email-verified-claim'], name: values['name-claim'] }).filter(([, value]) => value),
  );
  const input = parseInput(createConnectionSchema, {
    preset: values.preset,
    slug: values.slug,
    display_name: values.name,
    kind: values.kind,
    issuer: values.issuer,
    authorization_endpoint: values['authorization-endpoint'],
    token_endpoint: values['token-endpoint'],
    userinfo_endpoint: values['userinfo-endpoint'],
    client_id: values['client-id'],
    client_secret: secret,
    scopes: values.scopes,
    domains: values.domain,
    attribute_map: Object.keys(attributes).length ? attributes : undefined,
    groups_claim: values['groups-claim'],
    group_map: Object.keys(groupMap).length ? groupMap : undefined,
    allow_jit: values['no-jit'] ? false : undefined,
    trust_upstream_mfa: values['trust-mfa'] || undefined,
    enabled: values.disabled ? false : undefined,
  });
  const connection = presentConnection(await context.connections.createConnection(input, CLI_ACTOR), context.config.issuer);
  return {
    data: connection,
    text: [`Added ${connection.display_name} (${connection.slug}, ${connection.kind}).`, `Register this redirect URI with the provider: ${connection.redirect_uri}`].join('\n'),
  };
};

export const listConnections: Command = async (context) => {
  const connections = (await everything((page) => context.connections.listConnectionsPage(page))).map((connection) => presentConnection(connection, context.config.issuer));
  const text = connections.length
    ? connections.map((c) => `${c.slug.padEnd(16)} ${c.kind.padEnd(6)} ${c.enabled ? 'enabled ' : 'disabled'} ${c.display_name}  ${c.issuer}`).join('\n')
    : 'No connections yet.';
  return { data: connections, text };
};

export const showConnection: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const slug = onePositional(positionals, 'connection show needs the connection slug');
  const connection = await context.connections.findBySlug(slug);
  if (!connection) throw new UsageError(`no connection named ${slug}`);
  const shown = presentConnection(connection, context.config.issuer);
  return { data: shown, text: JSON.stringify(shown, null, 2) };
};

export const deleteConnection: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const slug = onePositional(positionals, 'connection delete needs the connection slug');
  const connection = await context.connections.findBySlug(slug);
  if (!connection) throw new UsageError(`no connection named ${slug}`);
  await context.connections.deleteConnection(connection.id, CLI_ACTOR);
  return { data: { slug, deleted: true }, text: `Deleted connection ${slug}; accounts linked only through it can no longer sign in with it.` };
};
