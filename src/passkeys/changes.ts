import type { AccountRow } from '../accounts/queries.js';
import type { AuditEvent, AuditRecorder } from '../audit/recorder.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import type { PasskeyService, PasskeySummary, Refusal } from './service.js';

export interface PasskeyChangeDeps {
  passkeys: PasskeyService;
  audit: AuditRecorder;
  findAccount: (id: string) => Promise<AccountRow | undefined>;
  /** How many upstream identities sign this account in (a way in besides password and passkeys). */
  linkedIdentities: (accountId: string) => Promise<number>;
  /** Tells the person by mail (the server's mailer; the stand-alone CLI has none). */
  notify?: (account: AccountRow, change: { added: boolean; authenticator?: string; byOperator: boolean }) => Promise<void>;
}

type Actor = AuditEvent['actor'];

/** The second-factor throttles a person's own registration runs under, and the address it comes from. */
export interface RegistrationThrottle {
  protection: Pick<LoginProtection, 'beforeAttempt' | 'recordFailure' | 'recordSuccess'>;
  ip: string;
}

/** A registration the throttles refused before it was tried; `retryAfter` in seconds. */
export type Throttled = { ok: false; reason: 'throttled'; retryAfter: number };

/**
 * Changes to an account's passkeys, each with its audit event and its mail, whoever makes it: the
 * person on the account page, an operator through the admin API or the CLI.
 */
export function createPasskeyChanges(deps: PasskeyChangeDeps) {
  return {
    /**
     * A person registers a passkey, on the account page or inside a sign-in, where `during` names the
     * case: `required` (a passkey was demanded and the account had none) or `offer` (the offer after
     * sign-in). It runs under the second-factor throttles: a refused attempt is audited as
     * `passkey.failed` (reason `throttled`) and returns its wait; a refused registration counts as a
     * failure, a good one clears the count.
     */
    async register(
      account: AccountRow, binding: string, responseText: string, name: string | undefined, origin: RequestOrigin,
      throttle: RegistrationThrottle, during?: { stage: 'required' | 'offer'; clientId: string },
    ): Promise<{ ok: true; passkey: PasskeySummary } | Refusal | Throttled> {
      const context = during ? { during: during.stage } : {};
      const decision = await throttle.protection.beforeAttempt(throttle.ip, account.id);
      if (!decision.allowed) {
        await deps.audit.record({ type: 'passkey.failed', outcome: 'failure', accountId: account.id, clientId: during?.clientId, origin, detail: { stage: 'register', reason: 'throttled', retryAfter: decision.retryAfter, ...context } });
        return { ok: false, reason: 'throttled', retryAfter: decision.retryAfter };
      }
      const result = await deps.passkeys.register(account.id, binding, responseText, name);
      if (!result.ok) {
        await deps.audit.record({ type: 'passkey.failed', outcome: 'failure', accountId: account.id, clientId: during?.clientId, origin, detail: { stage: 'register', reason: result.reason, ...context } });
        await throttle.protection.recordFailure(account.id, throttle.ip);
        return result;
      }
      const { passkey } = result;
      await deps.audit.record({
        type: 'passkey.registered', accountId: account.id, clientId: during?.clientId, origin,
        detail: { passkeyId: passkey.id, synced: passkey.synced, ...(passkey.authenticator ? { authenticator: passkey.authenticator } : {}), ...context },
      });
      await deps.notify?.(account, { added: true, authenticator: passkey.authenticator, byOperator: false });
      await throttle.protection.recordSuccess(account.id, throttle.ip);
      return result;
    },

    async rename(account: AccountRow, id: string, name: string, origin: RequestOrigin): Promise<PasskeySummary> {
      const passkey = await deps.passkeys.rename(account.id, id, name);
      await deps.audit.record({ type: 'passkey.renamed', accountId: account.id, origin, detail: { passkeyId: id } });
      return passkey;
    },

    /** Refused (409 LAST_WAY_IN) when the passkey is the account's only way to sign in. */
    async remove(account: AccountRow, id: string, by: { origin?: RequestOrigin; actor?: Actor }): Promise<PasskeySummary> {
      const passkey = await deps.passkeys.remove(account.id, id, { hasPassword: Boolean(account.password_hash), linkedIdentities: await deps.linkedIdentities(account.id) });
      const byOperator = Boolean(by.actor && by.actor.type !== 'account');
      await deps.audit.record({ type: 'passkey.removed', accountId: account.id, origin: by.origin, actor: by.actor, detail: { passkeyId: id, ...(byOperator ? { byOperator } : {}) } });
      await deps.notify?.(account, { added: false, authenticator: passkey.authenticator, byOperator });
      return passkey;
    },
  };
}

export type PasskeyChanges = ReturnType<typeof createPasskeyChanges>;
