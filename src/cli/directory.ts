import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { parseInput } from '../http/validate.js';
import { nameSchema } from '../rbac/schemas.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { onePositional } from './lookup.js';

/** SCIM directories and their provisioning tokens (docs/scim.md). */
export const createDirectory: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { client: { type: 'string' }, 'no-invitations': { type: 'boolean' } }, strict: true });
  const name = parseInput(nameSchema, onePositional(positionals, 'directory create needs the directory name'));
  const directory = await context.scimDirectories.createDirectory({ name, clientId: values.client ?? null, sendInvitations: !values['no-invitations'] }, CLI_ACTOR);
  return { data: directory, text: `Created directory ${directory.name} (${directory.id}). Next: idp scim-token create ${JSON.stringify(directory.name)}` };
};

export const listDirectories: Command = async (context) => {
  const directories = await context.scimDirectories.listDirectories();
  return {
    data: directories,
    text: directories.length ? directories.map((directory) => `${directory.id}  ${directory.name}${directory.client_id ? `  client ${directory.client_id}` : ''}`).join('\n') : 'No directories yet.',
  };
};

export const showDirectory: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const directory = await context.scimDirectories.requireDirectory(onePositional(positionals, 'directory show needs the directory name or id'));
  const counts = await context.scimDirectories.countMarked(directory);
  const tokens = await context.scimDirectories.listTokens(directory.id);
  const lines = [
    `${directory.name} (${directory.id})`,
    `  client: ${directory.client_id ?? 'none'}; invitations: ${directory.send_invitations ? 'on' : 'off'}`,
    `  provisioned: ${counts.users} users, ${counts.groups} groups`,
    ...tokens.map((token) => `  token ${token.id} ${token.label ?? ''} ${token.revoked_at ? 'revoked' : 'live'}${token.last_used_at ? ` last used ${new Date(token.last_used_at).toISOString()}` : ''}`),
  ];
  return { data: { ...directory, ...counts, tokens }, text: lines.join('\n') };
};

export const updateDirectory: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, client: { type: 'string' }, 'no-client': { type: 'boolean' }, invitations: { type: 'string' } },
    strict: true,
  });
  const target = onePositional(positionals, 'directory update needs the directory name or id');
  if (values.invitations !== undefined && !['on', 'off'].includes(values.invitations)) throw new UsageError('--invitations is on or off');
  const directory = await context.scimDirectories.updateDirectory(
    target,
    {
      ...(values.name !== undefined ? { name: parseInput(nameSchema, values.name) } : {}),
      ...(values.client !== undefined ? { clientId: values.client } : values['no-client'] ? { clientId: null } : {}),
      ...(values.invitations !== undefined ? { sendInvitations: values.invitations === 'on' } : {}),
    },
    CLI_ACTOR,
  );
  return { data: directory, text: `Updated directory ${directory.name}.` };
};

export const deleteDirectory: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const target = onePositional(positionals, 'directory delete needs the directory name or id');
  await context.scimDirectories.deleteDirectory(target, CLI_ACTOR);
  return { data: { directory: target, deleted: true }, text: `Deleted directory ${target}; its accounts and groups stay.` };
};

export const createScimToken: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { label: { type: 'string' }, 'expires-in-days': { type: 'string' } }, strict: true });
  const target = onePositional(positionals, 'scim-token create needs the directory name or id');
  let expiresAt: Date | null = null;
  if (values['expires-in-days'] !== undefined) {
    const days = Number(values['expires-in-days']);
    if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('--expires-in-days is a whole number from 1 to 3650');
    expiresAt = new Date(Date.now() + days * 86_400_000);
  }
  const token = await context.scimDirectories.createToken(target, { label: values.label ?? null, expiresAt }, CLI_ACTOR);
  return { data: token, text: `${token.token}\n\nThe token above is shown once. Paste it into the directory's provisioning settings (docs/scim.md).` };
};

export const listScimTokens: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const tokens = await context.scimDirectories.listTokens(onePositional(positionals, 'scim-token list needs the directory name or id'));
  return { data: tokens, text: tokens.length ? tokens.map((token) => `${token.id}  ${token.label ?? '-'}  ${token.revoked_at ? 'revoked' : 'live'}`).join('\n') : 'No tokens.' };
};

export const rotateScimToken: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 2) throw new UsageError('scim-token rotate needs the directory and the token id');
  const token = await context.scimDirectories.rotateToken(positionals[0], positionals[1], CLI_ACTOR);
  return { data: token, text: `${token.token}\n\nThe old token no longer works. The token above is shown once.` };
};

export const revokeScimToken: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 2) throw new UsageError('scim-token revoke needs the directory and the token id');
  await context.scimDirectories.revokeToken(positionals[0], positionals[1], CLI_ACTOR);
  return { data: { token: positionals[1], revoked: true }, text: `Revoked token ${positionals[1]}.` };
};
