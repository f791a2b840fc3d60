import type { AccountRow } from '../accounts/queries.js';
import type { Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { notFound } from '../errors/app-error.js';
import type { Mailer } from '../mail/outbox.js';
import type { ErasureQueries } from './erasure-queries.js';
import type { PersonalDataVault } from './vault.js';

export interface ErasureResult {
  accountId: string;
  sessionsEnded: number;
  grantsRevoked: number;
}

/** Ends an account's sessions, grants and tokens everywhere; the server's session index does it. */
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
 * Back-channel logout (another issue) hooks into step 1, through `endEverything`.
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
    async eraseAccount(accountId: string, actor: Actor): Promise<ErasureResult> {
      const account = await deps.findAccount(accountId);
      if (!account) throw notFound('no account with this id');
      const ended = deps.endEverything ? await deps.endEverything(account.id) : { sessions: 0, grants: 0 };
      await deps.forgetFailures(account.email);
      const deleted = await deps.queries.transaction(async (trx) => {
        await deps.vault.eraseKey(trx, account.id);
        return deps.queries.deleteAccountData(trx, account);
      });
      if (!deleted) throw notFound('no account with this id');
      await deps.audit.record({
        type: 'account.deleted',
        actor: { type: actor.type, id: actor.id },
        origin: actor.origin,
        accountId: account.id,
        detail: { target: { type: 'account', id: account.id, name: account.email }, sessionsEnded: ended.sessions, grantsRevoked: ended.grants },
      });
      await deps.mailer?.send(account.email, 'account-deleted', { byOperator: actor.type !== 'account' });
      return { accountId: account.id, sessionsEnded: ended.sessions, grantsRevoked: ended.grants };
    },
  };
}

export type AccountErasure = ReturnType<typeof createAccountErasure>;
