import type { ConfirmPassword } from '../accounts/password-confirmation.js';
import type { AccountRow } from '../accounts/queries.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError } from '../errors/app-error.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { Mailer } from '../mail/outbox.js';
import type { MfaService } from '../mfa/service.js';
import { AMR, signedInWithin, usedPasskey } from '../mfa/policy.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import { epochSeconds, type Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { AccountErasure, EndEverything } from './account-erasure.js';
import type { DeletionRequestQueries } from './deletion-request-queries.js';

const DAY_MS = 86_400_000;
const JOB_BATCH = 100;

export type SelfDeletionOutcome = { scheduled: false } | { scheduled: true; eraseAfter: Date };

/** What deleting asks of a session: a new sign-in first (needsFreshSignIn), and a code on the form (the account has an authenticator app). */
export interface DeletionDemands {
  freshSignIn: boolean;
  code: boolean;
}

/**
 * "Delete my account" (docs/privacy.md, "Erasure"): the person proves it is them with the password
 * and, when the account has one, the second factor — a session left open on a shared computer must
 * not be enough to destroy the account. With ACCOUNT_DELETION_GRACE_DAYS = 0 the account is erased
 * at once through the same erasure as the admin API; otherwise it is marked pending deletion, its
 * sessions end at once, a sign-in before the date cancels, and `eraseDue` erases it afterwards.
 */
export function createSelfDeletion(deps: {
  erasure: AccountErasure;
  requests: DeletionRequestQueries;
  confirmPassword: ConfirmPassword;
  mfa: Pick<MfaService, 'hasFactor' | 'verifySecondFactor'>;
  mfaProtection: LoginProtection;
  endEverything: EndEverything;
  audit: AuditRecorder;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  graceDays: number;
  links: { signIn: string; account: string };
  /** Passkeys are confirmed by signing in again with one (below), not by a code on this page. */
  hasPasskey: (accountId: string) => Promise<boolean>;
  recentLoginSeconds: number;
}) {
  const { audit, clock } = deps;

  /** The second factor when the account has one (`hasFactor`), counted toward the same limits as the sign-in challenge. */
  async function confirmSecondFactor(account: AccountRow, origin: RequestOrigin, code: string | undefined, hasFactor: boolean): Promise<void> {
    if (!hasFactor) return;
    const ip = origin.ip ?? '';
    const decision = await deps.mfaProtection.beforeAttempt(ip, account.id);
    if (!decision.allowed) {
      throw new AppError('RATE_LIMITED', 429, `Too many attempts. Wait ${decision.retryAfter} seconds, then try again.`, { headers: { 'Retry-After': String(decision.retryAfter) }, i18n: { key: 'error.tooManyAttemptsSeconds', values: { seconds: decision.retryAfter } } });
    }
    if (!code?.trim()) throw new AppError('SECOND_FACTOR_REQUIRED', 400, 'Enter a code from your authenticator app or one of your recovery codes.', { details: { field: 'code' } });
    const result = await deps.mfa.verifySecondFactor(account.id, code);
    if (!result.ok) {
      await deps.mfaProtection.recordFailure(account.id, ip);
      await audit.record({ type: 'mfa.failed', outcome: 'failure', accountId: account.id, origin, detail: { during: 'account_deletion' } });
      throw new AppError('WRONG_SECOND_FACTOR', 400, 'That code is not valid. Check your authenticator app, or use a recovery code.', { details: { field: 'code' } });
    }
    await deps.mfaProtection.recordSuccess(account.id, ip);
    if (result.method === 'recovery_code') {
      await audit.record({ type: 'mfa.recovery_code_used', accountId: account.id, origin, detail: { during: 'account_deletion', remaining: result.recoveryCodesRemaining } });
    }
  }

  /**
   * Rule: deleting needs the second factor as well as the password. A code covers an authenticator
   * app. An account whose only second factor is a passkey proves it by a sign-in within
   * RECENT_LOGIN_SECONDS that used it (every sign-in of such an account does: src/mfa/policy.ts);
   * a step-up does not renew the sign-in time, so an older session signs in again first.
   * `hasFactor`: whether the account has an authenticator app, when the caller has read it.
   */
  async function needsFreshSignIn(account: AccountRow, signed: { loginTs?: number; amr?: string[] }, hasFactor?: boolean): Promise<boolean> {
    const recent = signedInWithin(signed.loginTs, epochSeconds(clock), deps.recentLoginSeconds);
    // An account without a password has none to enter: a recent sign-in with a passkey stands for it.
    // One without a passkey either (made by an upstream provider) has only a recent upstream sign-in
    // to show; asking it for a passkey would send it round the sign-in for ever.
    if (!account.password_hash) {
      if (!recent) return true;
      if (usedPasskey(signed.amr)) return false;
      return deps.hasPasskey(account.id);
    }
    if ((hasFactor ?? (await deps.mfa.hasFactor(account.id))) || !(await deps.hasPasskey(account.id))) return false;
    return !(recent && (signed.amr ?? []).includes(AMR.multiFactor));
  }

  /** What deleting asks of this session, the account's second factor read once for both. */
  async function demands(account: AccountRow, signed: { loginTs?: number; amr?: string[] }): Promise<DeletionDemands> {
    const hasFactor = await deps.mfa.hasFactor(account.id);
    return { freshSignIn: await needsFreshSignIn(account, signed, hasFactor), code: hasFactor };
  }

  return {
    graceDays: deps.graceDays,
    needsFreshSignIn,
    demands,

    /**
     * Checks the password, then the second factor; then erases or schedules. `known`: what demands()
     * answered for this session in this request, so that it is not asked again.
     */
    async request(
      account: AccountRow, origin: RequestOrigin, proof: { password: string; code?: string; signedIn: { loginTs?: number; amr?: string[] } }, known?: DeletionDemands,
    ): Promise<SelfDeletionOutcome> {
      const asked = known ?? (await demands(account, proof.signedIn));
      if (asked.freshSignIn) {
        throw new AppError('FRESH_SIGN_IN_REQUIRED', 403, 'Sign in again with your passkey, then delete the account.');
      }
      if (account.password_hash) await deps.confirmPassword(account, origin, proof.password, 'password');
      await confirmSecondFactor(account, origin, proof.code, asked.code);
      const actor = { type: 'account' as const, id: account.id, origin };
      if (deps.graceDays === 0) {
        await deps.erasure.eraseAccount(account.id, actor);
        return { scheduled: false };
      }
      const now = clock.now();
      const row = await deps.requests.insertRequest({ account_id: account.id, requested_at: now, erase_after: new Date(now.getTime() + deps.graceDays * DAY_MS) });
      const ended = await deps.endEverything(account.id);
      await audit.record({
        type: 'account.deletion_scheduled', accountId: account.id, origin,
        detail: { eraseAfter: row.erase_after.toISOString(), graceDays: deps.graceDays, sessionsEnded: ended.sessions, grantsRevoked: ended.grants },
      });
      await deps.mailer.send(account.email, 'account-deletion-scheduled', { eraseAfter: row.erase_after.toISOString(), days: deps.graceDays, signInUrl: deps.links.signIn });
      return { scheduled: true, eraseAfter: row.erase_after };
    },

    /** A successful sign-in (any method) cancels a scheduled deletion; one DELETE when there is none. */
    async cancelOnSignIn(account: Pick<AccountRow, 'id' | 'email'>, origin: RequestOrigin): Promise<boolean> {
      if (!(await deps.requests.deleteRequest(account.id))) return false;
      await audit.record({ type: 'account.deletion_cancelled', accountId: account.id, origin, detail: { by: 'sign_in' } });
      await deps.mailer.send(account.email, 'account-deletion-cancelled', { accountUrl: deps.links.account });
      return true;
    },

    pendingDeletion: (accountId: string) => deps.requests.findRequest(accountId),

    /**
     * The background job: erases every account whose grace period has ended. The request row is
     * locked and checked again inside the erasure's transaction, so a sign-in that cancelled it first
     * wins; a failure leaves the row, and the next run retries.
     */
    async eraseDue(): Promise<number> {
      let erased = 0;
      for (const row of await deps.requests.listDue(clock.now(), JOB_BATCH)) {
        try {
          await deps.erasure.eraseAccount(row.account_id, { type: 'system', id: 'deletion-grace-period' }, {
            reason: 'grace_period_ended',
            onlyIf: (trx) => deps.requests.lockRequest(trx, row.account_id),
          });
          erased += 1;
        } catch (error) {
          if (error instanceof AppError && (error.code === 'DELETION_CANCELLED' || error.status === 404)) continue;
          deps.logger.warn({ err: error, accountId: row.account_id }, 'could not erase an account whose deletion grace period ended; will retry');
        }
      }
      return erased;
    },
  };
}

export type SelfDeletion = ReturnType<typeof createSelfDeletion>;
