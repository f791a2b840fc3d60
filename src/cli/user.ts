import { parseArgs } from 'node:util';
import { AppError } from '../errors/app-error.js';
import { CLI_ACTOR } from '../audit/changes.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

export const createUser: Command = async (context, { args, stdin }) => {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' }, verified: { type: 'boolean' } },
    strict: true,
  });
  if (!values.email) throw new UsageError('user create needs --email');
  let password: string | undefined;
  if (values['password-stdin']) {
    // Only the trailing newline of `echo` or a here-string is dropped: spaces are part of a password.
    password = (stdin ?? '').replace(/\r?\n$/, '');
    if (!password) throw new UsageError('--password-stdin was given but standard input was empty');
  }
  const account = await context.accounts.createAccount({ email: values.email, name: values.name, password, emailVerified: values.verified ?? false });
  await context.audit.record({ type: 'account.created', actor: { type: 'system', id: 'cli' }, accountId: account.id, detail: { via: 'cli' } });
  return {
    data: { id: account.id, email: account.email, name: account.name, status: account.status, has_password: Boolean(password) },
    text: `Created account ${account.email} (${account.id})${password ? '' : ' without a password'}.`,
  };
};

export const disableUser: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const email = positionals[0];
  if (!email) throw new UsageError('user disable needs the account email');
  const account = await context.accounts.setStatusByEmail(email, 'disabled');
  // Through a running server its sessions end now, with back-channel logout; stand-alone they fail at their next use.
  const sessionsEnded = context.endSessions ? await context.endSessions(account.id, 'account_disabled') : undefined;
  await context.audit.record({ type: 'account.disabled', actor: { type: 'system', id: 'cli' }, accountId: account.id, ...(sessionsEnded === undefined ? {} : { detail: { sessionsEnded } }) });
  return { data: { id: account.id, email: account.email, status: 'disabled' }, text: `Disabled ${account.email}. Its sessions and refresh tokens stop working now.` };
};

/** Ends every session of an account, each relying party being told by back-channel logout; needs the running server. */
export const signOutUser: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const email = positionals[0];
  if (!email) throw new UsageError('user sign-out needs the account email');
  if (!context.endSessions) {
    throw new UsageError('user sign-out needs the running server (embedded mode reaches it through its control socket); otherwise use the admin API: DELETE /admin/api/v1/accounts/{id}/sessions');
  }
  const account = await context.accounts.findByEmail(email.trim());
  if (!account) throw new AppError('NOT_FOUND', 404, 'no account with this email');
  const sessions = await context.endSessions(account.id, 'sessions_revoked');
  await context.audit.record({ type: 'session.revoked', actor: CLI_ACTOR, accountId: account.id, detail: { sessions, via: 'cli' } });
  return { data: { id: account.id, sessions_ended: sessions }, text: `Ended ${sessions} session(s) of ${account.email}; their applications are sent logout tokens.` };
};

export const unlockUser: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const email = positionals[0];
  if (!email) throw new UsageError('user unlock needs the account email');
  const account = await context.accounts.unlockByEmail(email);
  await context.loginProtection.reset(account.email);
  await context.audit.record({ type: 'account.unlocked', actor: { type: 'system', id: 'cli' }, accountId: account.id });
  return { data: { id: account.id, email: account.email, locked: false }, text: `Unlocked ${account.email}; its failed-attempt count is cleared.` };
};

export const listLockedUsers: Command = async (context) => {
  const accounts = await context.accounts.listLocked();
  const data = accounts.map((account) => ({ id: account.id, email: account.email, locked_at: account.locked_at }));
  return {
    data,
    text: data.length ? data.map((account) => `${account.email}  locked since ${new Date(account.locked_at!).toISOString()}`).join('\n') : 'No locked accounts.',
  };
};

export const resetUserMfa: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const email = positionals[0];
  if (!email) throw new UsageError('user reset-mfa needs the account email');
  const account = await context.accounts.findByEmail(email.trim());
  if (!account) throw new AppError('NOT_FOUND', 404, 'no account with this email');
  const removed = await context.mfa.removeAll(account.id);
  await context.audit.record({ type: 'mfa.reset', actor: { type: 'system', id: 'cli' }, accountId: account.id, detail: { hadFactor: removed } });
  return {
    data: { id: account.id, email: account.email, mfa_reset: true, had_factor: removed },
    text: removed
      ? `Removed the second factor and recovery codes of ${account.email}. If MFA is required for them, they enroll again at the next sign-in.`
      : `${account.email} had no second factor.`,
  };
};

/**
 * Deletes an account and erases its personal data (docs/privacy.md). Through the running server's
 * control socket its sessions, grants and tokens end at once and a confirmation mail is queued;
 * stand-alone, the account is deleted and its sessions stop working at their next use.
 */
export const deleteUser: Command = async (context, { args }) => {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { yes: { type: 'boolean' } }, strict: true });
  const email = positionals[0];
  if (!email) throw new UsageError('user delete needs the account email');
  if (!values.yes) throw new UsageError('user delete cannot be undone: repeat it with --yes');
  const account = await context.accounts.findByEmail(email.trim());
  if (!account) throw new AppError('NOT_FOUND', 404, 'no account with this email');
  const result = await context.erasure.eraseAccount(account.id, CLI_ACTOR);
  return {
    data: { id: account.id, deleted: true, sessions_ended: result.sessionsEnded, grants_revoked: result.grantsRevoked },
    text: `Deleted account ${account.id}; its personal data is erased, including in its audit events.`,
  };
};

/** Everything held about an account, as JSON on stdout (docs/privacy.md, "Access"). */
export const exportUser: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const email = positionals[0];
  if (!email) throw new UsageError('user export needs the account email');
  const account = await context.accounts.findByEmail(email.trim());
  if (!account) throw new AppError('NOT_FOUND', 404, 'no account with this email');
  const document = await context.accountExport.exportAccount(account.id);
  await context.audit.record({
    type: 'account.exported', actor: CLI_ACTOR, accountId: account.id,
    detail: { target: { type: 'account', id: account.id, name: account.email }, events: document.events.length },
  });
  // The export is the output, with or without --json.
  return { data: document, text: JSON.stringify(document, null, 2) };
};
