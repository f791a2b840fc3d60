import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound } from '../errors/app-error.js';
import { isDestinationRefused, type OutboundGuard } from '../outbound/guard.js';
import type { Clock } from '../shared/clock.js';
import { CLAIM_BATCH, DELIVERY_NO_ANSWER, DELIVERY_REFUSED, isBigintId, LEASE_MS, MAX_ATTEMPTS, REQUEST_TIMEOUT_MS, retryDelayMs } from './delivery-queue.js';
import { newUuid } from '../shared/ids.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import { SecretBox } from '../shared/secret-box.js';
import { isEventTypePattern } from './filter.js';
import type { EventQueries } from './queries.js';
import type { ClaimedDelivery, DeliveryRow, WebhookQueries, WebhookRow, WebhookSummary } from './webhook-queries.js';
import { signWebhookBody } from './webhook-signature.js';

export { MAX_ATTEMPTS, retryDelayMs } from './delivery-queue.js';
export { DELIVERY_NO_ANSWER, DELIVERY_REFUSED } from './delivery-queue.js';

const webhookInput = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2048).refine((value) => { const url = URL.parse(value); return !url?.username && !url?.password; }, 'must not carry credentials'),
  eventTypes: z.array(z.string().refine(isEventTypePattern, 'must be an event type from docs/events.md, a category such as login.*, or *')).min(1, 'needs at least one event type').max(50),
  description: z.string().trim().max(200).optional(),
});

export interface DeliveryOutcome {
  deliveryId: string;
  webhookId: string;
  eventId: string;
  result: 'delivered' | 'retrying' | 'failed' | 'skipped';
  status?: number;
  error?: string;
}

/** Operator-registered webhooks and the delivery of queued events to them. */
export function createWebhookService(deps: {
  queries: WebhookQueries;
  events: EventQueries;
  clock: Clock;
  serverSecrets: readonly string[];
  /** Sends the requests, to public addresses only (or allow-listed ones). */
  outbound: Pick<OutboundGuard, 'problemWith' | 'fetch'>;
}) {
  const { queries, clock } = deps;
  const box = new SecretBox(deps.serverSecrets, 'webhook-secrets');

  async function deliver(claim: ClaimedDelivery, hook: WebhookRow | undefined): Promise<DeliveryOutcome> {
    const outcome = { deliveryId: claim.id, webhookId: claim.webhook_id, eventId: claim.event_id };
    if (!hook) return { ...outcome, result: 'skipped' };
    const event = await deps.events.findEvent(claim.event_id);
    if (!event) {
      await queries.markFailed(claim.id, null, 'the event was pruned before it could be delivered');
      return { ...outcome, result: 'failed', error: 'event pruned' };
    }
    const body = JSON.stringify(event);
    let status: number | undefined;
    let error: string;
    try {
      const response = await deps.outbound.fetch(hook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'idp-webhooks/1',
          'idp-webhook-id': hook.id,
          'idp-delivery-id': claim.id,
          'idp-event-id': event.id,
          'idp-event-type': event.type,
          'idp-signature': signWebhookBody(box.open(hook.secret_sealed), Math.floor(clock.now().getTime() / 1000), body),
        },
        body,
      });
      status = response.status;
      await response.body?.cancel();
      if (status >= 200 && status < 300) {
        await queries.markDelivered(claim.id, clock.now(), status);
        return { ...outcome, result: 'delivered', status };
      }
      error = `HTTP ${status}`;
    } catch (cause) {
      error = isDestinationRefused(cause) ? DELIVERY_REFUSED : DELIVERY_NO_ANSWER;
    }
    if (claim.attempts >= MAX_ATTEMPTS) {
      await queries.markFailed(claim.id, status ?? null, error);
      return { ...outcome, result: 'failed', status, error };
    }
    await queries.markRetry(claim.id, new Date(clock.now().getTime() + retryDelayMs(claim.attempts)), status ?? null, error);
    return { ...outcome, result: 'retrying', status, error };
  }

  return {
    /** Registers a webhook; the secret is returned this once and kept encrypted under SERVER_SECRET. */
    async createWebhook(input: z.input<typeof webhookInput>): Promise<{ webhook: Omit<WebhookRow, 'secret_sealed'>; secret: string }> {
      const parsed = webhookInput.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue.path.join('.');
        throw new AppError('INVALID_WEBHOOK', 400, `${field}: ${issue.message}`, { details: { field } });
      }
      // SSRF rule: a webhook reaches a public address only, unless OUTBOUND_ALLOWED_HOSTS names it.
      const problem = await deps.outbound.problemWith(parsed.data.url);
      if (problem) throw new AppError('INVALID_WEBHOOK', 400, `url: ${problem}`, { details: { field: 'url' } });
      const secret = `whsec_${randomBytes(32).toString('base64url')}`;
      const { secret_sealed: _sealed, ...webhook } = await queries.insertWebhook({
        id: newUuid(),
        url: parsed.data.url,
        event_types: [...new Set(parsed.data.eventTypes)],
        description: parsed.data.description || null,
        secret_sealed: box.seal(secret),
        created_at: clock.now(),
      });
      return { webhook, secret };
    },

    listWebhooks: () => queries.listWebhooks(),
    listWebhooksPage: (page: PageRequest) => queries.listWebhooksPage(page),

    /** One webhook with its delivery counts, never its secret. */
    async requireWebhook(id: string): Promise<WebhookSummary> {
      const hook = z.uuid().safeParse(id).success ? await queries.findWebhookSummary(id) : undefined;
      if (!hook) throw notFound('no webhook with this id');
      return hook;
    },

    async deleteWebhook(id: string): Promise<void> {
      if (!z.uuid().safeParse(id).success || !(await queries.deleteWebhook(id))) throw notFound('no webhook with this id');
    },

    /** A webhook's recent deliveries, newest first: their state, attempts, next retry and last answer. */
    async listDeliveries(webhookId: string, options: { failedOnly?: boolean; limit?: number } = {}): Promise<DeliveryRow[]> {
      if (!z.uuid().safeParse(webhookId).success || (await queries.findWebhooks([webhookId])).length === 0) throw notFound('no webhook with this id');
      return queries.listDeliveries(webhookId, { status: options.failedOnly ? 'failed' : undefined, limit: options.limit ?? 20 });
    },

    /**
     * A page of a webhook's deliveries, newest first; the cursor is the id of the last one shown
     * (ids only grow). A cursor that is no id is a 400 naming it.
     */
    async listDeliveriesPage(webhookId: string, options: { status?: DeliveryRow['status']; limit: number; cursor?: string }): Promise<Page<DeliveryRow>> {
      if (!z.uuid().safeParse(webhookId).success || (await queries.findWebhooks([webhookId])).length === 0) throw notFound('no webhook with this id');
      if (options.cursor !== undefined && !isBigintId(options.cursor)) throw new AppError('VALIDATION_FAILED', 400, 'cursor: not a cursor from a previous page', { details: { field: 'cursor' } });
      const rows = await queries.listDeliveries(webhookId, { status: options.status, limit: options.limit + 1, beforeId: options.cursor });
      const items = rows.slice(0, options.limit);
      return { items, nextCursor: rows.length > options.limit ? items.at(-1)!.id : null };
    },

    /**
     * Sends a delivered or failed delivery again: due at once, with a fresh set of attempts. It keeps
     * its Idp-Delivery-Id, so a receiver that did process it sees a duplicate, as with any retry. A
     * pending one is queued already, and one whose event was pruned has nothing left to send.
     */
    async redeliver(deliveryId: string): Promise<DeliveryRow> {
      const delivery = isBigintId(deliveryId) ? await queries.findDelivery(deliveryId) : undefined;
      if (!delivery) throw notFound('no delivery with this id');
      if (delivery.status === 'pending') {
        throw new AppError('DELIVERY_PENDING', 409, `delivery ${deliveryId} is still queued: attempt ${delivery.attempts + 1} is due at ${delivery.next_attempt_at.toISOString()}`);
      }
      if (delivery.event_type === null) throw new AppError('EVENT_PRUNED', 409, `the event of delivery ${deliveryId} was pruned; there is nothing left to send`);
      if (!(await queries.requeueDelivery(deliveryId, clock.now()))) throw new AppError('DELIVERY_PENDING', 409, `delivery ${deliveryId} was queued again meanwhile`);
      return (await queries.findDelivery(deliveryId))!;
    },

    /** Claims the deliveries that are due, posts them, and records each outcome; safe on many instances at once. */
    async deliverDue(): Promise<DeliveryOutcome[]> {
      const now = clock.now();
      const claimed = await queries.claimDueDeliveries(now, new Date(now.getTime() + LEASE_MS), CLAIM_BATCH);
      if (claimed.length === 0) return [];
      const hooks = new Map((await queries.findWebhooks([...new Set(claimed.map((claim) => claim.webhook_id))])).map((hook) => [hook.id, hook]));
      return Promise.all(claimed.map((claim) => deliver(claim, hooks.get(claim.webhook_id))));
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
