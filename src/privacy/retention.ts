import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError } from '../errors/app-error.js';
import type { Mailer } from '../mail/outbox.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { AccountErasure } from './account-erasure.js';
import type { InactivityQueries } from './inactivity-queries.js';

const DAY_MS = 86_400_000;
const BATCH = 100;

export interface RetentionSettings {
  /** EVENT_NETWORK_RETENTION_DAYS (unset: off). */
  networkRetentionDays?: number;
  /** MAIL_RETENTION_DAYS. */
  mailRetentionDays: number;
  /** ACCOUNT_INACTIVE_DAYS (unset: off) and ACCOUNT_INACTIVE_WARNING_DAYS. */
  inactiveDays?: number;
  inactiveWarningDays: number;
}

export interface RetentionReport {
  networkDaysExpired: string[];
  mailsPurged: number;
  outboxFilesPurged: number;
  accountsWarned: number;
  accountsErased: number;
}

/**
 * Retention of personal data that is not needed forever (docs/privacy.md, "Retention"), run by every
 * server in its background upkeep; each step is idempotent, so instances may run it at once. Each
 * deletion is an audit event: `privacy.retention_applied` for events' network fields and the mail
 * queue, `account.inactivity_warned` then `account.deleted` (reason `inactive`) for accounts.
 */
export function createRetention(deps: {
  settings: RetentionSettings;
  expireNetworkFields: () => Promise<string[]>;
  purgeFinishedMail: (before: Date) => Promise<number>;
  /** The file outbox (no SMTP_URL): each file is a whole mail. */
  outboxDir?: string;
  inactivity: InactivityQueries;
  erasure: AccountErasure;
  mailer: Mailer;
  audit: AuditRecorder;
  clock: Clock;
  logger: Logger;
  signInUrl: string;
}) {
  const { settings, clock, audit } = deps;
  const system = { type: 'system' as const, id: 'retention' };

  async function purgeOutboxFiles(before: Date): Promise<number> {
    if (!deps.outboxDir) return 0;
    let purged = 0;
    const names = await readdir(deps.outboxDir).catch(() => [] as string[]);
    for (const name of names.filter((file) => file.endsWith('.eml'))) {
      const path = join(deps.outboxDir, name);
      if ((await stat(path)).mtime < before) {
        await unlink(path);
        purged += 1;
      }
    }
    return purged;
  }

  async function warnIdleAccounts(now: Date): Promise<number> {
    if (settings.inactiveDays === undefined) return 0;
    const idle = await deps.inactivity.listIdleUnwarned(new Date(now.getTime() - settings.inactiveDays * DAY_MS), BATCH);
    const eraseAfter = new Date(now.getTime() + settings.inactiveWarningDays * DAY_MS).toISOString();
    let warned = 0;
    for (const account of idle) {
      if (!(await deps.inactivity.insertWarning(account.id, now))) continue;
      warned += 1;
      await audit.record({ type: 'account.inactivity_warned', actor: system, accountId: account.id, detail: { inactiveDays: settings.inactiveDays, eraseAfter } });
      await deps.mailer.send(account.email, 'account-inactive-warning', { inactiveDays: settings.inactiveDays, eraseAfter, signInUrl: deps.signInUrl });
    }
    return warned;
  }

  async function eraseIdleAccounts(now: Date): Promise<number> {
    if (settings.inactiveDays === undefined) return 0;
    let erased = 0;
    for (const row of await deps.inactivity.listWarnedDue(new Date(now.getTime() - settings.inactiveWarningDays * DAY_MS), BATCH)) {
      try {
        await deps.erasure.eraseAccount(row.account_id, system, { reason: 'inactive', onlyIf: (trx) => deps.inactivity.lockWarning(trx, row.account_id) });
        erased += 1;
      } catch (error) {
        if (error instanceof AppError && (error.code === 'DELETION_CANCELLED' || error.status === 404)) continue;
        deps.logger.warn({ err: error, accountId: row.account_id }, 'could not erase an inactive account; will retry');
      }
    }
    return erased;
  }

  return {
    /** A sign-in restarts the inactivity count and withdraws a warning. */
    signedIn: (accountId: string) => deps.inactivity.recordSignIn(accountId, clock.now()),

    async run(): Promise<RetentionReport> {
      const now = clock.now();
      const networkDaysExpired = await deps.expireNetworkFields();
      if (networkDaysExpired.length) {
        await audit.record({ type: 'privacy.retention_applied', actor: system, detail: { what: 'event_network_fields', days: networkDaysExpired, retentionDays: settings.networkRetentionDays } });
      }
      const mailCutoff = new Date(now.getTime() - settings.mailRetentionDays * DAY_MS);
      const mailsPurged = await deps.purgeFinishedMail(mailCutoff);
      const outboxFilesPurged = await purgeOutboxFiles(mailCutoff);
      if (mailsPurged || outboxFilesPurged) {
        await audit.record({ type: 'privacy.retention_applied', actor: system, detail: { what: 'mail', queueRows: mailsPurged, outboxFiles: outboxFilesPurged, retentionDays: settings.mailRetentionDays } });
      }
      return { networkDaysExpired, mailsPurged, outboxFilesPurged, accountsWarned: await warnIdleAccounts(now), accountsErased: await eraseIdleAccounts(now) };
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
