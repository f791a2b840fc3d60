import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CLI_ACTOR, diffFields, recordChange } from '../audit/changes.js';
import type { ClientJwks } from '../clients/client-keys.js';
import type { ConfidentialAuthMethod } from '../clients/metadata.js';
import type { ClientType } from '../clients/queries.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

const TYPES: ClientType[] = ['web', 'spa', 'native', 'machine', 'device'];
const AUTH_METHODS: ConfidentialAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** Options naming a client's keys and protocol requirements, shared by create and update. */
const PROTOCOL_OPTIONS = {
  'auth-method': { type: 'string' },
  'jwks-file': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'require-dpop': { type: 'boolean' },
  'require-par': { type: 'boolean' },
  'backchannel-logout-uri': { type: 'string' },
  'backchannel-logout-session-required': { type: 'boolean' },
  // What the client's login and consent pages show of it (docs/branding.md#client-branding).
  'logo-uri': { type: 'string' },
  'policy-uri': { type: 'string' },
  'tos-uri': { type: 'string' },
} as const;

function authMethodOf(value: string | undefined): ConfidentialAuthMethod | undefined {
  if (value === undefined) return undefined;
  if (!AUTH_METHODS.includes(value as ConfidentialAuthMethod)) throw new UsageError(`--auth-method must be one of ${AUTH_METHODS.join(', ')}`);
  return value as ConfidentialAuthMethod;
}

/** Reads the public JWK Set from --jwks-file; the service checks what is in it. */
async function jwksFrom(path: string | undefined): Promise<ClientJwks | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read --jwks-file ${path}`);
  }
  try {
    return JSON.parse(text) as ClientJwks;
  } catch {
    throw new UsageError(`--jwks-file ${path} is not JSON`);
  }
}

/** What `client create` and `client update` show about a client's authentication and requirements. */
function protocolView(metadata: Record<string, unknown>) {
  return {
    token_endpoint_auth_method: metadata.token_endpoint_auth_method,
    jwks_kids: (metadata.jwks as ClientJwks | undefined)?.keys.map((key) => key.kid ?? '(no kid)'),
    jwks_uri: metadata.jwks_uri,
    dpop_bound_access_tokens: metadata.dpop_bound_access_tokens ?? false,
    require_pushed_authorization_requests: metadata.require_pushed_authorization_requests ?? false,
    backchannel_logout_uri: metadata.backchannel_logout_uri,
    backchannel_logout_session_required: metadata.backchannel_logout_session_required ?? false,
    logo_uri: metadata.logo_uri,
    policy_uri: metadata.policy_uri,
    tos_uri: metadata.tos_uri,
  };
}

export const createClient: Command = async (context, { args }) => {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      type: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      scope: { type: 'string' },
      'first-party': { type: 'boolean' },
      'require-mfa': { type: 'boolean' },
      'require-phishing-resistant': { type: 'boolean' },
      'system-api-delegation': { type: 'boolean' },
      'require-verified-email': { type: 'boolean' },
      'max-age': { type: 'string' },
      ...PROTOCOL_OPTIONS,
    },
    strict: true,
  });
  if (!values.name || !values.type) throw new UsageError('client create needs --name and --type (web, spa, native, machine or device)');
  if (!TYPES.includes(values.type as ClientType)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}`);
  const { client, clientSecret } = await context.clients.createClient({
    name: values.name,
    type: values.type as ClientType,
    redirectUris: values['redirect-uri'] ?? [],
    postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
    scope: values.scope,
    defaultMaxAge: values['max-age'] === undefined ? undefined : Number(values['max-age']),
    firstParty: values['first-party'] ?? false,
    requireMfa: values['require-mfa'] ?? false,
    requirePhishingResistant: values['require-phishing-resistant'] ?? false,
    systemApiDelegation: values['system-api-delegation'] ?? false,
    requireVerifiedEmail: values['require-verified-email'] ?? false,
    authMethod: authMethodOf(values['auth-method']),
    jwks: await jwksFrom(values['jwks-file']),
    jwksUri: values['jwks-uri'],
    requireDpop: values['require-dpop'] ?? false,
    requirePar: values['require-par'] ?? false,
    backchannelLogoutUri: values['backchannel-logout-uri'],
    backchannelLogoutSessionRequired: values['backchannel-logout-session-required'] ?? false,
    logoUri: values['logo-uri'],
    policyUri: values['policy-uri'],
    tosUri: values['tos-uri'],
  });
  await context.audit.record({ type: 'client.created', actor: { type: 'system', id: 'cli' }, clientId: client.client_id, detail: { name: client.name, type: client.type } });
  const lines = [`client_id:     ${client.client_id}`];
  if (clientSecret) lines.push(`client_secret: ${clientSecret}`, 'Store the secret now: it is kept only as a hash and cannot be shown again.');
  return { data: { client_id: client.client_id, client_secret: clientSecret, name: client.name, type: client.type, ...client.metadata }, text: lines.join('\n') };
};

export const listClients: Command = async (context) => {
  const clients = await context.clients.listClients();
  const data = clients.map((client) => ({
    client_id: client.client_id,
    name: client.name,
    type: client.type,
    first_party: client.first_party,
    require_mfa: client.require_mfa,
    require_phishing_resistant: client.require_phishing_resistant,
    system_api_delegation: client.system_api_delegation,
    redirect_uris: client.metadata.redirect_uris,
    created_at: client.created_at,
  }));
  const text = data.length ? data.map((client) => `${client.client_id}  ${client.type.padEnd(7)}  ${client.name}`).join('\n') : 'No clients yet.';
  return { data, text };
};

/** Changes what only the operator decides about a client; `--no-X` turns a flag off. */
export const updateClient: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    allowNegative: true,
    options: {
      name: { type: 'string' },
      'first-party': { type: 'boolean' },
      'require-mfa': { type: 'boolean' },
      'require-phishing-resistant': { type: 'boolean' },
      'system-api-delegation': { type: 'boolean' },
      ...PROTOCOL_OPTIONS,
      'remove-keys': { type: 'boolean' },
      'remove-backchannel-logout': { type: 'boolean' },
      'remove-page-links': { type: 'boolean' },
    },
    strict: true,
  });
  const clientId = positionals[0];
  if (!clientId) throw new UsageError('client update needs the client id');
  const changes = {
    name: values.name,
    firstParty: values['first-party'],
    requireMfa: values['require-mfa'],
    requirePhishingResistant: values['require-phishing-resistant'],
    systemApiDelegation: values['system-api-delegation'],
    authMethod: authMethodOf(values['auth-method']),
    // Rotation replaces the whole set: list the old and new keys together, then the new alone.
    jwks: values['remove-keys'] ? null : await jwksFrom(values['jwks-file']),
    jwksUri: values['remove-keys'] ? null : values['jwks-uri'],
    requireDpop: values['require-dpop'],
    requirePar: values['require-par'],
    backchannelLogoutUri: values['remove-backchannel-logout'] ? null : values['backchannel-logout-uri'],
    backchannelLogoutSessionRequired: values['backchannel-logout-session-required'],
    logoUri: values['remove-page-links'] ? null : values['logo-uri'],
    policyUri: values['remove-page-links'] ? null : values['policy-uri'],
    tosUri: values['remove-page-links'] ? null : values['tos-uri'],
  };
  if (Object.values(changes).every((value) => value === undefined)) {
    throw new UsageError(
      'client update needs at least one of --name, --[no-]first-party, --[no-]require-mfa, --[no-]require-phishing-resistant, --[no-]system-api-delegation, --auth-method, --jwks-file, --jwks-uri, --remove-keys, --[no-]require-dpop, --[no-]require-par, --backchannel-logout-uri, --[no-]backchannel-logout-session-required, --remove-backchannel-logout, --logo-uri, --policy-uri, --tos-uri, --remove-page-links',
    );
  }
  const before = await context.clients.findClient(clientId);
  const client = await context.clients.updateClient(clientId, changes);
  const policy = (row: typeof client) => ({
    name: row.name, first_party: row.first_party, require_mfa: row.require_mfa, require_phishing_resistant: row.require_phishing_resistant, system_api_delegation: row.system_api_delegation,
    ...protocolView(row.metadata),
  });
  await recordChange(context.audit, {
    type: 'client.updated', actor: CLI_ACTOR, target: { type: 'client', id: clientId, name: client.name }, clientId,
    changes: diffFields(before && policy(before), policy(client)),
  });
  const data = {
    client_id: client.client_id,
    name: client.name,
    type: client.type,
    first_party: client.first_party,
    require_mfa: client.require_mfa,
    require_phishing_resistant: client.require_phishing_resistant,
    system_api_delegation: client.system_api_delegation,
    ...protocolView(client.metadata),
  };
  return { data, text: Object.entries(data).filter(([, value]) => value !== undefined).map(([key, value]) => `${`${key}:`.padEnd(38)}${value}`).join('\n') };
};

export const deleteClient: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const clientId = positionals[0];
  if (!clientId) throw new UsageError('client delete needs the client id');
  await context.clients.deleteClient(clientId);
  await context.audit.record({ type: 'client.deleted', actor: { type: 'system', id: 'cli' }, clientId });
  return { data: { client_id: clientId, deleted: true }, text: `Deleted client ${clientId}.` };
};
