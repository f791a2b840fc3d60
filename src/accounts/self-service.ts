import { z } from 'zod';
import type { ClientService } from '../clients/service.js';
import { createPasswordConfirmation } from './password-confirmation.js';
import { AppError } from '../errors/app-error.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { GrantView, SessionIndex, SessionView } from '../oidc/session-index.js';
import { LinkError, type AccountTokens } from './account-tokens.js';
import type { AccountRow } from './queries.js';
import { noSecondFactors, type SecondFactorCheck } from './recovery-service.js';
import type { AccountFlowDeps } from './flow-deps.js';
import { EMAIL_CHANGE_LINKS } from './token-queries.js';
import { normalizeEmail, type AccountService } from './service.js';
import { weakPassword } from './signup-service.js';
import { canRemovePassword, type PasswordlessReadiness } from '../passkeys/policy.js';

export interface Signed {
  account: AccountRow;
  sessionUid: string;
  origin: RequestOrigin;
}

export interface ApplicationView extends GrantView {
  clientName: string;
}

export const nameSchema = z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.');

/** What a signed-in person does on the account page. Each change is an audit event. */
export function createSelfService(deps: AccountFlowDeps & {
  clients: ClientService;
  /** The account page's own client: not listed among the applications. */
  consoleClientId: string;
  /** Passkeys and unused recovery codes: what an account must have to drop its password. */
  passwordlessReadiness?: (accountId: string) => Promise<PasswordlessReadiness>;
}) {
  const { profile, tokens, audit, mailer, links } = deps;
  const hasSecondFactor = deps.hasSecondFactor ?? noSecondFactors;
  const confirmPassword = createPasswordConfirmation(deps);
  const ttl = deps.config.accountLinks.verificationTtl;

  async function activeAccountOf(accountId: string): Promise<AccountRow> {
    const account = await deps.accounts.findById(accountId);
    if (!account) throw new LinkError('unknown', 'change_email');
    // Rule: a disabled account's address does not change (its links were revoked when it was disabled).
    if (account.status !== 'active') throw new AppError('ACCOUNT_DISABLED', 403, 'This account is disabled, so its address cannot be changed.');
    return account;
  }

  return {
    minimumPasswordLength: async (account: AccountRow) => deps.policy.minimumLength(await hasSecondFactor(account)),

    async changeName({ account, origin }: Signed, name: string): Promise<void> {
      await profile.updateName(account.id, name);
      await audit.record({ type: 'account.profile_updated', accountId: account.id, origin, detail: { fields: ['name'] } });
    },

    /** The language of the person's pages and mails; null goes back to the browser's. */
    async changeLocale({ account, origin }: Signed, locale: string | null): Promise<void> {
      if ((account.locale ?? null) === locale) return;
      await profile.updateLocale(account.id, locale);
      await audit.record({ type: 'account.profile_updated', accountId: account.id, origin, detail: { fields: ['locale'] } });
    },

    async changePassword(signed: Signed, input: { current: string; next: string; signOutOthers: boolean }): Promise<{ sessionsEnded: number }> {
      const { account, origin } = signed;
      try {
        await confirmPassword(account, origin, input.current);
      } catch (error) {
        if ((error as AppError).code === 'WRONG_PASSWORD') {
          await audit.record({ type: 'account.password_changed', outcome: 'failure', accountId: account.id, origin, detail: { reason: 'wrong_password' } });
          throw new AppError('WRONG_PASSWORD', 400, 'The current password is not correct.', { details: { field: 'current' } });
        }
        throw error;
      }
      const verdict = deps.policy.check(input.next, {
        productName: deps.config.product.name,
        email: account.email,
        name: account.name,
        hasSecondFactor: await hasSecondFactor(account),
      });
      if (!verdict.ok) throw weakPassword(verdict.message!, verdict.problem, verdict.values);
      await profile.setPassword(account.id, await deps.hasher.hash(input.next));
      // A reset link mailed before the change must not undo it, nor a pending email change outlive it.
      await tokens.revokeOpen(account.id, ['reset_password', ...EMAIL_CHANGE_LINKS]);
      let sessionsEnded = 0;
      if (input.signOutOthers) {
        const provider = deps.provider();
        sessionsEnded = await deps.sessions.revokeSessions(provider, account.id, signed.sessionUid, 'password_changed');
        await deps.sessions.revokeTokens(provider, account.id);
      }
      await mailer.send(account.email, 'password-changed', { byReset: false, accountUrl: links.account, resetUrl: links.forgot });
      await audit.record({ type: 'account.password_changed', accountId: account.id, origin, detail: { signedOutOthers: input.signOutOthers, sessionsEnded } });
      return { sessionsEnded };
    },

    /** Whether the account may drop its password now (a passkey and unused recovery codes). */
    async mayRemovePassword(account: AccountRow): Promise<boolean> {
      if (!account.password_hash || !deps.passwordlessReadiness) return false;
      return canRemovePassword(await deps.passwordlessReadiness(account.id));
    },

    /**
     * Drops the password (after it is entered again): the account signs in with passkeys only. Refused
     * unless a passkey and unused recovery codes remain, so the account keeps a way in and a way back
     * (a reset link sets a password; the recovery codes then pass the second step).
     */
    async removePassword(signed: Signed, current: string): Promise<void> {
      const { account, origin } = signed;
      await confirmPassword(account, origin, current, 'current');
      if (!(await this.mayRemovePassword(account))) {
        throw new AppError('LAST_WAY_IN', 409, 'Add a passkey and set up recovery codes (with an authenticator app) before removing your password.', { i18n: { key: 'error.lastWayInPassword' } });
      }
      await profile.clearPassword(account.id);
      // A pending email change was confirmed with the password that is gone.
      await tokens.revokeOpen(account.id, EMAIL_CHANGE_LINKS);
      await mailer.send(account.email, 'password-changed', { byReset: false, change: 'removed', accountUrl: links.account, resetUrl: links.forgot });
      await audit.record({ type: 'account.password_removed', accountId: account.id, origin });
    },

    /**
     * Sets a password on a passwordless account. There is no current password to ask: the caller
     * requires a recent sign-in (which, for this account, was a passkey).
     */
    async setPassword(signed: Signed, next: string): Promise<void> {
      const { account, origin } = signed;
      if (account.password_hash) throw new AppError('PASSWORD_EXISTS', 409, 'This account has a password: change it with the current one.');
      const verdict = deps.policy.check(next, { productName: deps.config.product.name, email: account.email, name: account.name, hasSecondFactor: await hasSecondFactor(account) });
      if (!verdict.ok) throw weakPassword(verdict.message!, verdict.problem, verdict.values);
      await profile.setPassword(account.id, await deps.hasher.hash(next));
      await mailer.send(account.email, 'password-changed', { byReset: false, change: 'set', accountUrl: links.account, resetUrl: links.forgot });
      await audit.record({ type: 'account.password_changed', accountId: account.id, origin, detail: { passwordless: true } });
    },

    /**
     * Starts an email change: a confirmation link to the new address, a notice to the current one
     * with a link that cancels it. An address that another account uses gets nothing, and the page
     * says the same as for a free one.
     */
    async requestEmailChange({ account, origin }: Signed, newEmailInput: string): Promise<void> {
      const newEmail = normalizeEmail(newEmailInput);
      if (newEmail.toLowerCase() === account.email.toLowerCase()) {
        throw new AppError('SAME_EMAIL', 400, 'This is already the address of your account.', { details: { field: 'email' } });
      }
      const holder = await deps.accounts.findByEmail(newEmail);
      if (!holder) {
        const token = await tokens.issue({ account, purpose: 'change_email', email: newEmail, ttlSeconds: ttl });
        await mailer.send(newEmail, 'email-change-confirm', { link: links.confirmEmail(token), expiresIn: ttl });
      }
      const cancel = await tokens.issue({ account, purpose: 'cancel_email_change', email: account.email, ttlSeconds: ttl });
      await mailer.send(account.email, 'email-change-notice', { newAddress: newEmail, completed: false, accountUrl: links.account, cancelUrl: links.cancelEmail(cancel) });
      await audit.record({ type: 'account.email_change_requested', accountId: account.id, origin, detail: { addressTaken: Boolean(holder) } });
    },

    async inspectEmailChange(token: string): Promise<{ email: string }> {
      const row = await tokens.inspect(token, 'change_email');
      await activeAccountOf(row.account_id);
      return { email: row.email };
    },

    /** The link alone proves the new address; the account must still be one that may sign in. */
    async confirmEmailChange(token: string, origin: RequestOrigin): Promise<{ email: string }> {
      const row = await tokens.inspect(token, 'change_email');
      const account = await activeAccountOf(row.account_id);
      const holder = await deps.accounts.findByEmail(row.email);
      if (holder && holder.id !== account.id) {
        throw new AppError('EMAIL_TAKEN', 409, 'Another account uses this address now, so it cannot become yours.');
      }
      await tokens.use(token, 'change_email');
      try {
        await profile.updateEmail(account.id, row.email);
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new AppError('EMAIL_TAKEN', 409, 'Another account uses this address now, so it cannot become yours.');
        throw error;
      }
      // Links sent to the old address are bound to it and stop working by themselves; say so anyway.
      await tokens.revokeOpen(account.id, ['verify_email', 'reset_password']);
      await mailer.send(account.email, 'email-change-notice', { newAddress: row.email, completed: true, accountUrl: links.account });
      await tokens.revokeOpen(account.id, ['cancel_email_change']);
      // Both addresses, encrypted under the account's key like every personal value: the export's address history.
      await audit.record({ type: 'account.email_changed', accountId: account.id, origin, detail: { changes: { email: { before: account.email, after: row.email } } } });
      return { email: row.email };
    },

    /** Checks a cancel link (from the notice to the current address) without using it. */
    async inspectEmailChangeCancel(token: string): Promise<{ email: string }> {
      const row = await tokens.inspect(token, 'cancel_email_change');
      const account = await deps.accounts.findById(row.account_id);
      if (!account || account.email !== row.email) throw new LinkError('address_changed', 'cancel_email_change');
      return { email: account.email };
    },

    /**
     * The cancel link of the notice: the current address's owner stops a change asked for in their
     * name. It works while the change is pending; once the change is done the address is no longer
     * the account's, and the link says so.
     */
    async cancelEmailChange(token: string, origin: RequestOrigin): Promise<{ linksRevoked: number }> {
      const row = await tokens.inspect(token, 'cancel_email_change');
      const account = await deps.accounts.findById(row.account_id);
      if (!account || account.email !== row.email) throw new LinkError('address_changed', 'cancel_email_change');
      await tokens.use(token, 'cancel_email_change');
      const linksRevoked = await tokens.revokeOpen(account.id, ['change_email']);
      await audit.record({ type: 'account.email_change_cancelled', accountId: account.id, origin, detail: { via: 'mail', linksRevoked } });
      return { linksRevoked };
    },

    listSessions: (account: AccountRow): Promise<SessionView[]> => deps.sessions.listSessions(deps.provider(), account.id),

    async revokeSession({ account, origin, sessionUid }: Signed, uid: string): Promise<{ current: boolean }> {
      if (!(await deps.sessions.revokeSession(deps.provider(), account.id, uid))) {
        throw new AppError('SESSION_NOT_FOUND', 404, 'This session has already ended.');
      }
      // The session signed out may be the one that asked for a pending email change.
      await deps.accounts.cancelPendingEmailChange(account.id);
      await audit.record({ type: 'session.revoked', accountId: account.id, origin, detail: { current: uid === sessionUid, via: 'account' } });
      return { current: uid === sessionUid };
    },

    async listApplications(account: AccountRow): Promise<ApplicationView[]> {
      const grants = await deps.sessions.listGrants(deps.provider(), account.id);
      const views: ApplicationView[] = [];
      for (const grant of grants) {
        if (grant.clientId === deps.consoleClientId) continue;
        const client = await deps.clients.findClient(grant.clientId);
        views.push({ ...grant, clientName: client?.name ?? grant.clientId });
      }
      return views;
    },

    async revokeApplication({ account, origin }: Signed, grantId: string): Promise<void> {
      // The application is also sent a back-channel logout token (docs/integrating.md).
      const revoked = await deps.sessions.revokeGrant(deps.provider(), account.id, grantId, 'grant_revoked');
      if (!revoked) throw new AppError('GRANT_NOT_FOUND', 404, 'This application has no access to revoke.');
      await audit.record({ type: 'grant.revoked', accountId: account.id, clientId: revoked.clientId, origin, detail: { grantId, via: 'account' } });
    },
  };
}

export type SelfService = ReturnType<typeof createSelfService>;
