import { parseArgs } from 'node:util';
import { AppError } from '../errors/app-error.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

const CLI_ACTOR = { type: 'system' as const, id: 'cli' };

async function accountByEmail(context: Parameters<Command>[0], email: string | undefined, usage: string) {
  if (!email) throw new UsageError(usage);
  const account = await context.accounts.findByEmail(email.trim());
  if (!account) throw new AppError('NOT_FOUND', 404, 'no account with this email');
  return account;
}

/** `idp user passkeys EMAIL`: an account's passkeys (docs/passkeys.md). */
export const listUserPasskeys: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const account = await accountByEmail(context, positionals[0], 'user passkeys needs the account email');
  const passkeys = await context.passkeys.list(account.id);
  const data = passkeys.map((passkey) => ({
    id: passkey.id, name: passkey.name, authenticator: passkey.authenticator ?? null, synced: passkey.synced,
    created_at: passkey.createdAt.toISOString(), last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
  }));
  return {
    data,
    text: data.length
      ? data.map((passkey) => `${passkey.id}  ${passkey.name}  (${passkey.authenticator ?? 'Passkey'}${passkey.synced ? ', synced' : ''})  added ${passkey.created_at}  last used ${passkey.last_used_at ?? 'never'}`).join('\n')
      : `${account.email} has no passkey.`,
  };
};

/** `idp user remove-passkey EMAIL ID`: refused when it is the account's last way in. */
export const removeUserPasskey: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const account = await accountByEmail(context, positionals[0], 'user remove-passkey needs the account email and the passkey id');
  const id = positionals[1];
  if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError('user remove-passkey needs the passkey id (see: user passkeys EMAIL)');
  const removed = await context.passkeyChanges.remove(account, id.toLowerCase(), { actor: CLI_ACTOR });
  return { data: { id: removed.id, email: account.email, removed: true }, text: `Removed the passkey "${removed.name}" of ${account.email}.` };
};
