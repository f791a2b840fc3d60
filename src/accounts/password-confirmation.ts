import { AppError } from '../errors/app-error.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import type { PasswordHasher } from './password-hasher.js';
import type { AccountRow } from './queries.js';
import type { AccountService } from './service.js';

/**
 * Re-entering the password before a sensitive change (new password, second factor). It counts toward
 * the same brute-force limits as the login form, so a stolen session cannot be used to guess the
 * password here instead.
 */
export function createPasswordConfirmation(deps: {
  hasher: PasswordHasher;
  loginProtection: LoginProtection;
  accounts: Pick<AccountService, 'lock'>;
  audit: AuditRecorder;
}) {
  return async function confirmPassword(account: AccountRow, origin: RequestOrigin, password: string, field = 'current'): Promise<void> {
    const ip = origin.ip ?? '';
    // The caller holds a session of this account: a known device, not delayed by failures from elsewhere.
    const decision = await deps.loginProtection.beforeAttempt(ip, account.email, () => true);
    if (!decision.allowed) {
      throw new AppError('RATE_LIMITED', 429, `Too many wrong passwords. Wait ${decision.retryAfter} seconds, then try again.`, {
        headers: { 'Retry-After': String(decision.retryAfter) },
        i18n: { key: 'error.tooManyWrongPasswords', values: { seconds: decision.retryAfter } },
      });
    }
    if (!account.password_hash || !(await deps.hasher.verify(password, account.password_hash))) {
      const failure = await deps.loginProtection.recordFailure(account.email, ip);
      // Rule: a wrong password here counts as on the login form, lockout included; the failure that
      // reaches the cap locks the account (the count only equals the cap once).
      if (failure.lockNow && (await deps.accounts.lock(account.id))) {
        await deps.audit.record({
          type: 'account.locked', outcome: 'failure', actor: { type: 'system' }, accountId: account.id, origin,
          detail: { consecutiveFailures: failure.consecutiveFailures },
        });
      }
      throw new AppError('WRONG_PASSWORD', 400, 'The password is not correct.', { details: { field }, i18n: { key: 'error.wrongPassword' } });
    }
    await deps.loginProtection.recordSuccess(account.email, ip);
  };
}

export type ConfirmPassword = ReturnType<typeof createPasswordConfirmation>;
