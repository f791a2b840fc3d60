import type { Knex } from 'knex';
import { keysetPage, type Page, type PageRequest } from '../storage/pagination.js';
import { createDeliveryQueue } from './delivery-queue.js';

export interface WebhookRow {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  secret_sealed: string;
  enabled: boolean;
  created_at: Date;
}

export interface WebhookSummary extends Omit<WebhookRow, 'secret_sealed'> {
  pending: number;
  delivered: number;
  failed: number;
}

/** One delivery as an operator inspects it; `next_attempt_at` means something only while pending. */
export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  /** Null when the event was pruned. */
  event_type: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

export interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  event_id: string;
  attempts: number;
}

export function createWebhookQueries(db: Knex) {
  const queue = createDeliveryQueue(db, 'webhook_deliveries');
  const selectDeliveries = () =>
    db('webhook_deliveries as d')
      .select(db.raw('d.id::text as id'), 'd.webhook_id', db.raw('d.event_id::text as event_id'), 'e.type as event_type', 'd.status', 'd.attempts')
      .select('d.next_attempt_at', 'd.last_status', 'd.last_error', 'd.delivered_at', 'd.created_at')
      .leftJoin('events as e', 'e.id', 'd.event_id');

  const summaries = () =>
    db('webhooks as w')
      .select('w.id', 'w.url', 'w.event_types', 'w.description', 'w.enabled', 'w.created_at')
      .select(db.raw(`count(d.id) filter (where d.status = 'pending')::int as pending`))
      .select(db.raw(`count(d.id) filter (where d.status = 'delivered')::int as delivered`))
      .select(db.raw(`count(d.id) filter (where d.status = 'failed')::int as failed`))
      .leftJoin('webhook_deliveries as d', 'd.webhook_id', 'w.id')
      .groupBy('w.id');

  return {
    insertWebhook: async (row: Omit<WebhookRow, 'enabled'>): Promise<WebhookRow> => {
      const [inserted] = await db<WebhookRow>('webhooks').insert(row).returning('*');
      return inserted;
    },

    listWebhooks: async (): Promise<WebhookSummary[]> => (await summaries().orderBy('w.created_at', 'asc')) as WebhookSummary[],

    /** The same summaries a page at a time, oldest first (the admin API's cursors). */
    listWebhooksPage: (page: PageRequest): Promise<Page<WebhookSummary>> => keysetPage<WebhookSummary>(db, summaries(), { ...page, table: 'w' }),

    findWebhookSummary: async (id: string): Promise<WebhookSummary | undefined> => (await summaries().where('w.id', id).first()) as WebhookSummary | undefined,

    findWebhooks: (ids: string[]): Promise<WebhookRow[]> => db<WebhookRow>('webhooks').whereIn('id', ids),

    deleteWebhook: async (id: string): Promise<boolean> => (await db('webhooks').where({ id }).del()) > 0,

    /** Takes up to `limit` due deliveries, leased until `leaseUntil` (see delivery-queue.ts). */
    claimDueDeliveries: (now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> =>
      queue.claimDue<ClaimedDelivery>(now, leaseUntil, limit, 'id::text as id, webhook_id, event_id::text as event_id, attempts'),

    /** A webhook's deliveries, newest first; `status` narrows to one state. */
    listDeliveries: (webhookId: string, options: { status?: DeliveryRow['status']; limit: number; beforeId?: string }): Promise<DeliveryRow[]> => {
      const query = selectDeliveries().where('d.webhook_id', webhookId);
      if (options.status) query.where('d.status', options.status);
      // Ids only grow, so "older than the last one shown" pages newest first without skips or repeats.
      if (options.beforeId) query.where('d.id', '<', options.beforeId);
      return query.orderBy('d.id', 'desc').limit(options.limit);
    },

    findDelivery: (id: string): Promise<DeliveryRow | undefined> => selectDeliveries().where('d.id', id).first(),

    requeueDelivery: queue.requeue,
    markDelivered: queue.markDelivered,
    markRetry: queue.markRetry,
    markFailed: queue.markFailed,
  };
}

export type WebhookQueries = ReturnType<typeof createWebhookQueries>;
