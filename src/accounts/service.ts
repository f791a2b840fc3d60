import { z } from 'zod';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import type { Clock } from '../shared/clock.js';
import { newUuid } from '../shared/ids.js';
import type { PageRequest } from '../storage/pagination.js';
import type { PasswordHasher } from './password-hasher.js';
import type { AccountFilter, AccountQueries, AccountRow } from './queries.js';
import { ALL_LINKS, EMAIL_CHANGE_LINKS, type AccountTokenQueries } from './token-queries.js';

export type LoginFailureReason = 'unknown_account' | 'wrong_password' | 'disabled' | 'locked' | 'no_password';

export type AuthenticationResult =
  | { ok: true; account: AccountRow }
  | { ok: false; reason: LoginFailureReason; account?: AccountRow };

export interface NewAccountInput {
  email: string;
  name?: string;
  password?: string;
  emailVerified?: boolean;
}

/** The longest password accepted (in code points); beyond it a request is rejected, not truncated. */
export const MAX_PASSWORD_LENGTH = 1024;

const emailSchema = z.email().max(254);

export function createAccountService(deps: {
  queries: AccountQueries;
  hasher: PasswordHasher;
  clock: Clock;
  tokens: Pick<AccountTokenQueries, 'revokeOpenTokens'>;
}) {
  const { queries, hasher, clock } = deps;
  /** Rule: a disabled account keeps no open mailed link (no email change, reset or verification completes). */
  const revokeLinksIfDisabled = async (id: string, status: AccountRow['status'] | undefined) => {
    if (status === 'disabled') await deps.tokens.revokeOpenTokens(id, ALL_LINKS, clock.now());
  };

  return {
    findById: (id: string) => queries.findAccountById(id),
    findByEmail: (email: string) => queries.findAccountByEmail(email),
    countAccounts: () => queries.countAccounts(),

    async createAccount(input: NewAccountInput): Promise<AccountRow> {
      const email = normalizeEmail(input.email);
      if (await queries.findAccountByEmail(email)) throw conflict('an account with this email already exists');
      if (input.password !== undefined) assertPasswordAcceptable(input.password);
      return queries.insertAccount({
        id: newUuid(),
        email,
        email_verified: input.emailVerified ?? false,
        name: input.name?.trim() || null,
        password_hash: input.password === undefined ? null : await hasher.hash(input.password),
      });
    },

    /**
     * Checks an email and password. Every failure path spends one bcrypt comparison, so an unknown
     * email, a disabled account and a wrong password take about the same time; the reason is for the
     * event log only, never for the person signing in.
     */
    async authenticate(
      emailInput: string,
      password: string,
      options: {
        /** Asked only for a locked account with the right password: a known device signs in anyway (login-protection.ts). */
        signInWhileLocked?: (account: AccountRow) => Promise<boolean> | boolean;
      } = {},
    ): Promise<AuthenticationResult> {
      const account = await queries.findAccountByEmail(emailInput.trim());
      if (!account?.password_hash) {
        await hasher.decoyVerify(password);
        return account ? { ok: false, reason: 'no_password', account } : { ok: false, reason: 'unknown_account' };
      }
      const matches = await hasher.verify(password, account.password_hash);
      if (!matches) return { ok: false, reason: 'wrong_password', account };
      if (account.status !== 'active') return { ok: false, reason: 'disabled', account };
      if (account.locked_at && !(await options.signInWhileLocked?.(account))) return { ok: false, reason: 'locked', account };
      let current = account;
      if (hasher.needsRehash(account.password_hash)) {
        current = { ...account, password_hash: await hasher.hash(password) };
        await queries.updatePasswordHash(account.id, current.password_hash!);
      }
      await queries.recordLogin(account.id, clock.now());
      // The row as it now is: callers that key on the password hash (known devices) see the new one.
      return { ok: true, account: current };
    },

    /** Locks an account after too many failed sign-ins; returns false if it already was. */
    async lock(accountId: string): Promise<boolean> {
      return (await queries.lockAccount(accountId, clock.now())) > 0;
    },

    async unlockByEmail(email: string): Promise<AccountRow> {
      const account = await queries.findAccountByEmail(email.trim());
      if (!account) throw notFound('no account with this email');
      await queries.unlockAccount(account.id);
      return { ...account, locked_at: null };
    },

    /** Unlocks by id; returns whether the account was locked. */
    async unlock(accountId: string): Promise<boolean> {
      return (await queries.unlockAccount(accountId)) > 0;
    },

    listLocked: () => queries.listLockedAccounts(),

    listAccountsPage: (page: PageRequest, filter: AccountFilter = {}) => queries.listAccountsPage(page, filter),

    /** Changes an account's profile or status (admin API); a taken email is a 409. */
    async updateAccount(id: string, changes: { email?: string; name?: string | null; emailVerified?: boolean; status?: AccountRow['status'] }): Promise<AccountRow> {
      const email = changes.email === undefined ? undefined : normalizeEmail(changes.email);
      if (email !== undefined) {
        const holder = await queries.findAccountByEmail(email);
        if (holder && holder.id !== id) throw conflict('an account with this email already exists');
      }
      const updated = await queries.updateAccount(id, {
        ...(email !== undefined ? { email } : {}),
        ...(changes.name !== undefined ? { name: changes.name?.trim() || null } : {}),
        ...(changes.emailVerified !== undefined ? { email_verified: changes.emailVerified } : {}),
        ...(changes.status !== undefined ? { status: changes.status } : {}),
      });
      if (!updated) throw notFound('no account with this id');
      await revokeLinksIfDisabled(id, changes.status);
      return updated;
    },

    /**
     * Cancels a pending email change (its confirmation and cancel links). Rule: a change asked for in
     * a session does not outlive the end of the account's sessions, a password change or reset, or
     * the account being disabled. Returns how many links were revoked.
     */
    cancelPendingEmailChange: (accountId: string): Promise<number> => deps.tokens.revokeOpenTokens(accountId, EMAIL_CHANGE_LINKS, clock.now()),

    async deleteAccount(id: string): Promise<void> {
      if (!(await queries.deleteAccount(id))) throw notFound('no account with this id');
    },

    async setStatusByEmail(email: string, status: AccountRow['status']): Promise<AccountRow> {
      const account = await queries.findAccountByEmail(email.trim());
      if (!account) throw notFound('no account with this email');
      await queries.updateAccountStatus(account.id, status);
      await revokeLinksIfDisabled(account.id, status);
      return { ...account, status };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

export function normalizeEmail(email: string): string {
  const trimmed = email.trim();
  const parsed = emailSchema.safeParse(trimmed);
  if (!parsed.success) throw new AppError('INVALID_EMAIL', 400, 'email is not a valid address', { details: { field: 'email' } });
  return trimmed;
}

function assertPasswordAcceptable(password: string): void {
  const length = [...password].length;
  if (length < 8) throw new AppError('WEAK_PASSWORD', 400, 'password must have at least 8 characters', { details: { field: 'password' } });
  if (length > MAX_PASSWORD_LENGTH) {
    throw new AppError('PASSWORD_TOO_LONG', 400, `password must have at most ${MAX_PASSWORD_LENGTH} characters`, { details: { field: 'password' } });
  }
}
