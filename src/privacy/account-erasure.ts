import type { AccountRow } from '../accounts/queries.js';
import type { Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, notFound } from '../errors/app-error.js';
import type { Knex } from 'knex';
import type { Mailer } from '../mail/outbox.js';
import type { ErasureQueries } from './erasure-queries.js';
import type { PersonalDataVault } from './vault.js';

export interface ErasureResult {
  accountId: string;
  sessionsEnded: number;
  grantsRevoked: number;
}

/** Ends an account's sessions, grants and tokens everywhere; the server's session index does it. */
/** Why an account is erased, for its `account.deleted` event and the confirmation mail. */
export type ErasureReason = 'asked' | 'operator' | 'grace_period_ended' | 'inactive';

export interface ErasureOptions {
  /** Defaults to `asked` when the account acts, `operator` otherwise. */
  reason?: ErasureReason;
  /**
   * Checked inside the deletion's transaction (it may lock a row): false leaves the account whole
   * and throws DELETION_CANCELLED. The grace-period job uses it, so a sign-in that cancelled the
   * deletion a moment ago wins over the job.
   */
  onlyIf?: (trx: Knex.Transaction) => Promise<boolean>;
}

export type EndEverything = (accountId: string) => Promise<{ sessions: number; grants: number }>;

/**
 * Deleting an account (docs/privacy.md, "Erasure"), for the account page, the admin API and the CLI.
 *
 * Order, so that a failure half-way leaves the account whole and the call can simply be repeated:
 * 1. end its sessions, grants and tokens (idempotent; a store that is down stops here with a 503);
 * 2. forget its sign-in failure counters, which are keyed by its address (idempotent);
 * 3. in one transaction: destroy its data key (crypto-shredding the personal values of its events),
 *    delete its queued mail and its session index rows, and delete the account, whose dependent rows
 *    cascade. Either all of it commits or none of it does;
 * 4. record `account.deleted` (its personal values are stored already erased) and queue the
 *    confirmation mail, whose queue row is deleted once sent.
 * Back-channel logout hooks into step 1: `endEverything` (src/container.ts) ends sessions through the session index, which queues the logout tokens.
 */
export function createAccountErasure(deps: {
  queries: ErasureQueries;
  vault: Pick<PersonalDataVault, 'eraseKey'>;
  audit: AuditRecorder;
  findAccount(id: string): Promise<AccountRow | undefined>;
  forgetFailures(email: string): Promise<void>;
  /** Absent in the stand-alone CLI, which has no protocol engine: see docs/privacy.md. */
  endEverything?: EndEverything;
  /** Absent in the stand-alone CLI, which sends no mail. */
  mailer?: Mailer;
}) {
  return {
    /** The same ending of sessions, grants and tokens, for a deletion that waits (self-deletion.ts). */
    endEverything: (accountId: string) => (deps.endEverything ? deps.endEverything(accountId) : Promise.resolve({ sessions: 0, grants: 0 })),

    async eraseAccount(accountId: string, actor: Actor, options: ErasureOptions = {}): Promise<ErasureResult> {
      const account = await deps.findAccount(accountId);
      if (!account) throw notFound('no account with this id');
      const reason = options.reason ?? (actor.type === 'account' ? 'asked' : 'operator');
      const ended = deps.endEverything ? await deps.endEverything(account.id) : { sessions: 0, grants: 0 };
      await deps.forgetFailures(account.email);
      const deleted = await deps.queries.transaction(async (trx) => {
        if (options.onlyIf && !(await options.onlyIf(trx))) throw new AppError('DELETION_CANCELLED', 409, 'the deletion was cancelled');
        await deps.vault.eraseKey(trx, account.id);
        return deps.queries.deleteAccountData(trx, account);
      });
      if (!deleted) throw notFound('no account with this id');
      await deps.audit.record({
        type: 'account.deleted',
        actor: { type: actor.type, id: actor.id },
        origin: actor.origin,
        accountId: account.id,
        detail: { target: { type: 'account', id: account.id, name: account.email }, sessionsEnded: ended.sessions, grantsRevoked: ended.grants, reason },
      });
      await deps.mailer?.send(account.email, 'account-deleted', { reason });
      return { accountId: account.id, sessionsEnded: ended.sessions, grantsRevoked: ended.grants };
    },
  };
}

export type AccountErasure = ReturnType<typeof createAccountErasure>;
