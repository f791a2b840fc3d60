import type { Knex } from 'knex';

export interface OutboxRow {
  id: string;
  recipient: string;
  template: string;
  sealed_message: string | null;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export function createOutboxQueries(db: Knex) {
  const outbox = () => db<OutboxRow>('mail_outbox');
  return {
    /** Queues a mail, or (`queue` false) runs the same statement and writes nothing: see Mailer.sendOrDiscard. */
    insertMail: (row: Pick<OutboxRow, 'id' | 'recipient' | 'template' | 'sealed_message' | 'next_attempt_at' | 'created_at'>, queue = true) =>
      db.raw(
        `insert into mail_outbox (id, recipient, template, sealed_message, next_attempt_at, created_at)
         select ?::uuid, ?, ?, ?, ?::timestamptz, ?::timestamptz where ?::boolean`,
        [row.id, row.recipient, row.template, row.sealed_message, row.next_attempt_at, row.created_at, queue],
      ),

    /**
     * Claims up to `limit` due mails for this worker until `leaseUntil`, in one statement. SKIP LOCKED
     * lets several instances claim at once without waiting on, or taking, each other's rows; a claim
     * whose worker died lapses when its lease ends and the row is claimed again.
     */
    async claimDueMails(now: Date, leaseUntil: Date, limit: number): Promise<OutboxRow[]> {
      const result = await db.raw(
        `update mail_outbox set locked_until = ?, attempts = attempts + 1
         where id in (
           select id from mail_outbox
           where status = 'pending' and next_attempt_at <= ? and (locked_until is null or locked_until <= ?)
           order by next_attempt_at, created_at
           limit ?
           for update skip locked
         )
         returning *`,
        [leaseUntil, now, now, limit],
      );
      return (result.rows ?? []) as OutboxRow[];
    },

    /** Marks a mail sent and drops its body, which may hold a live link. */
    markSent: (id: string, at: Date) =>
      outbox().where({ id }).update({ status: 'sent', sent_at: at, sealed_message: null, locked_until: null, last_error: null }),
    scheduleRetry: (id: string, at: Date, error: string) => outbox().where({ id }).update({ next_attempt_at: at, locked_until: null, last_error: error }),
    markFailed: (id: string, error: string) =>
      outbox().where({ id }).update({ status: 'failed', sealed_message: null, locked_until: null, last_error: error }),
    /** Forgets one mail at once (addressed to an erased account: see FORGET_WHEN_DONE). */
    deleteMail: (id: string) => outbox().where({ id }).delete(),
    /** Forgets finished mails: the queue is not an archive. */
    purgeFinished: (before: Date) => outbox().whereNot({ status: 'pending' }).where('created_at', '<', before).delete(),
    listMails: () => outbox().orderBy('created_at'),
  };
}

export type OutboxQueries = ReturnType<typeof createOutboxQueries>;
