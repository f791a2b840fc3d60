import type { RequestOrigin } from '../http/request-context.js';
import { LinkError, type AccountTokens } from './account-tokens.js';
import type { AccountRow } from './queries.js';
import type { AccountFlowDeps } from './flow-deps.js';
import { weakPassword } from './signup-service.js';
import { EMAIL_CHANGE_LINKS } from './token-queries.js';

/** Whether the account has a second factor; MFA plugs in here (until then, nobody has one). */
export type SecondFactorCheck = (account: AccountRow) => Promise<boolean>;
export const noSecondFactors: SecondFactorCheck = async () => false;

/**
 * Forgotten passwords. Asking answers the same way whether or not the address has an account. A
 * reset link works once, for PASSWORD_RESET_TTL, and only while it is the newest one and the password
 * has not changed since. A completed reset ends the account's other sessions and revokes its tokens,
 * ends a lockout, mails a notice, and signs nobody in: the next sign-in asks for every factor.
 *
 * Rule (pre-registration takeover): a reset that is the first proof of the address removes the
 * upstream identities and the second factor the account had. They were added while nobody had shown
 * that the address was theirs: someone could have registered the victim's address first (sign-up, or
 * an upstream that does not verify addresses) and linked their own provider or authenticator.
 */
export function createRecoveryService(deps: AccountFlowDeps) {
  const { accounts, tokens, audit } = deps;
  const ttl = deps.config.accountLinks.resetTtl;
  const anyFactor = deps.hasSecondFactor ?? noSecondFactors;
  // A factor that the first proof of the address removes does not count toward the password policy.
  const hasSecondFactor = async (account: AccountRow) => (account.email_verified || !deps.removeUnprovenSignIns) && (await anyFactor(account));

  /** The link's account, as long as the address it was sent to is still the account's. */
  async function accountOf(token: string): Promise<AccountRow> {
    const row = await tokens.inspect(token, 'reset_password');
    const account = await accounts.findById(row.account_id);
    if (!account || account.email !== row.email) throw new LinkError('address_changed', 'reset_password');
    return account;
  }

  return {
    /**
     * Rule (no enumeration, by answer or by time): an address without an active account costs the
     * same work as one with: a token minted and hashed, the same token statements, a mail rendered,
     * sealed and put through the same queue statement, the same audit key work, one event. Only whether rows are written differs.
     */
    async requestReset(emailInput: string, origin: RequestOrigin): Promise<void> {
      const email = emailInput.trim();
      const account = await accounts.findByEmail(email);
      const active = account?.status === 'active' ? account : undefined;
      const token = active
        ? await tokens.issue({ account: active, purpose: 'reset_password', email: active.email, ttlSeconds: ttl })
        : await tokens.issueDecoy({ purpose: 'reset_password', email, ttlSeconds: ttl });
      await deps.mailer.sendOrDiscard(Boolean(active), active?.email ?? email, 'password-reset', { link: deps.links.reset(token), expiresIn: ttl });
      if (!account) await deps.keyWorkForNoAccount?.();
      if (active) await audit.record({ type: 'account.password_reset_requested', accountId: active.id, origin });
      else await audit.record({ type: 'account.password_reset_requested', outcome: 'failure', accountId: account?.id, origin, detail: { reason: account ? 'disabled' : 'unknown_account' } });
    },

    /** Checks a reset link without using it, for the page that asks for the new password. */
    async inspectReset(token: string): Promise<{ email: string; minimumLength: number }> {
      const account = await accountOf(token);
      return { email: account.email, minimumLength: deps.policy.minimumLength(await hasSecondFactor(account)) };
    },

    async completeReset(token: string, password: string, context: { origin: RequestOrigin; currentSessionUid?: string }): Promise<AccountRow> {
      let account: AccountRow;
      try {
        account = await accountOf(token);
      } catch (error) {
        if (error instanceof LinkError) {
          await audit.record({ type: 'account.password_reset', outcome: 'failure', origin: context.origin, detail: { reason: error.problem } });
        }
        throw error;
      }
      const verdict = deps.policy.check(password, {
        productName: deps.config.product.name,
        email: account.email,
        name: account.name,
        hasSecondFactor: await hasSecondFactor(account),
      });
      if (!verdict.ok) throw weakPassword(verdict.message!, verdict.problem, verdict.values);

      const used = await tokens.use(token, 'reset_password');
      const firstProof = !account.email_verified && used.email === account.email;
      await deps.profile.setPasswordAfterReset(account.id, await deps.hasher.hash(password), used.email);
      const removed = firstProof && deps.removeUnprovenSignIns ? await deps.removeUnprovenSignIns(account, context.origin) : { providers: [], secondFactor: false };
      if (removed.secondFactor) {
        await audit.record({ type: 'mfa.removed', accountId: account.id, origin: context.origin, detail: { method: 'totp', reason: 'address_first_proven_by_reset' } });
      }
      // Other reset links, and an email change asked for before the reset, end with it.
      await tokens.revokeOpen(account.id, ['reset_password', ...EMAIL_CHANGE_LINKS]);
      await deps.loginProtection.reset(account.email);
      const provider = deps.provider();
      const sessionsEnded = await deps.sessions.revokeSessions(provider, account.id, context.currentSessionUid, 'password_reset');
      const grantsAffected = await deps.sessions.revokeTokens(provider, account.id);
      await deps.mailer.send(account.email, 'password-changed', {
        byReset: true,
        accountUrl: deps.links.account,
        resetUrl: deps.links.forgot,
        removedProviders: removed.providers,
        removedSecondFactor: removed.secondFactor,
      });
      await audit.record({
        type: 'account.password_reset',
        accountId: account.id,
        origin: context.origin,
        detail: { sessionsEnded, grantsAffected, unlocked: Boolean(account.locked_at), addressFirstProven: firstProof, providersUnlinked: removed.providers.length, secondFactorRemoved: removed.secondFactor },
      });
      return account;
    },
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;
