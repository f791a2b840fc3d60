import type { Knex } from 'knex';
import { createDeliveryQueue, type DeliveryStatus } from '../audit/delivery-queue.js';

/** One queued logout token, as an operator inspects it; `next_attempt_at` means something only while pending. */
export interface LogoutDeliveryRow {
  id: string;
  client_id: string;
  account_id: string;
  sid: string | null;
  /** What ended the session: signed_out, password_reset, account_deleted, … (docs/operations.md). */
  reason: string;
  jti: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

export type ClaimedLogoutDelivery = Pick<LogoutDeliveryRow, 'id' | 'client_id' | 'account_id' | 'sid' | 'reason' | 'jti' | 'attempts'>;

const TABLE = 'backchannel_logout_deliveries';
const COLUMNS = ['client_id', 'account_id', 'sid', 'reason', 'jti', 'status', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'delivered_at', 'created_at'];

export function createLogoutDeliveryQueries(db: Knex) {
  const queue = createDeliveryQueue(db, TABLE);
  const select = () => db(TABLE).select(db.raw('id::text as id'), ...COLUMNS);
  return {
    insertDeliveries: async (rows: Omit<LogoutDeliveryRow, 'id' | 'status' | 'attempts' | 'last_status' | 'last_error' | 'delivered_at'>[]): Promise<number> => {
      if (rows.length === 0) return 0;
      await db(TABLE).insert(rows);
      return rows.length;
    },

    claimDueDeliveries: (now: Date, leaseUntil: Date, limit: number) =>
      queue.claimDue<ClaimedLogoutDelivery>(now, leaseUntil, limit, 'id::text as id, client_id, account_id, sid, reason, jti, attempts'),

    /** Deliveries newest first, narrowed to a client, an account and/or a state. */
    listDeliveries: (filter: { clientId?: string; accountId?: string; status?: DeliveryStatus; limit: number }): Promise<LogoutDeliveryRow[]> => {
      const query = select();
      if (filter.clientId) query.where('client_id', filter.clientId);
      if (filter.accountId) query.where('account_id', filter.accountId);
      if (filter.status) query.where('status', filter.status);
      // Ordered by the bigint column itself, not the text `id` the select returns.
      return query.orderBy(db.raw('??', [`${TABLE}.id`]), 'desc').limit(filter.limit);
    },

    findDelivery: (id: string): Promise<LogoutDeliveryRow | undefined> => select().where('id', id).first(),

    requeueDelivery: queue.requeue,
    markDelivered: queue.markDelivered,
    markRetry: queue.markRetry,
    markFailed: queue.markFailed,
  };
}

export type LogoutDeliveryQueries = ReturnType<typeof createLogoutDeliveryQueries>;
