import { parseArgs } from 'node:util';
import { escapeForDisplay } from '../audit/sanitize.js';
import type { DeliveryRow } from '../audit/webhook-queries.js';
import { MAX_ATTEMPTS } from '../audit/webhook-service.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { positiveInteger } from './events.js';

const CLI_ACTOR = { type: 'system' as const, id: 'cli' };

export const createWebhook: Command = async (context, { args }) => {
  const { values } = parseArgs({
    args,
    options: { url: { type: 'string' }, event: { type: 'string', multiple: true }, description: { type: 'string' } },
    strict: true,
  });
  if (!values.url || !values.event?.length) throw new UsageError('webhook create needs --url and at least one --event (a type, a category such as login.*, or *)');
  const { webhook, secret } = await context.webhooks.createWebhook({
    url: values.url,
    eventTypes: values.event.flatMap((event) => event.split(',')).map((event) => event.trim()).filter(Boolean),
    description: values.description,
  });
  await context.audit.record({ type: 'webhook.created', actor: CLI_ACTOR, detail: { webhookId: webhook.id, url: webhook.url, eventTypes: webhook.event_types } });
  return {
    data: { ...webhook, secret },
    text: [
      `webhook id: ${webhook.id}`,
      `secret:     ${secret}`,
      'Store the secret now: receivers check the Idp-Signature header with it, and it is not shown again.',
    ].join('\n'),
  };
};

export const listWebhooks: Command = async (context) => {
  const webhooks = await context.webhooks.listWebhooks();
  const text = webhooks.length
    ? webhooks.map((hook) => `${hook.id}  ${hook.url}  ${hook.event_types.join(',')}  pending=${hook.pending} delivered=${hook.delivered} failed=${hook.failed}`).join('\n')
    : 'No webhooks yet.';
  return { data: webhooks, text };
};

export const deleteWebhook: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (!id) throw new UsageError('webhook delete needs the webhook id');
  await context.webhooks.deleteWebhook(id);
  await context.audit.record({ type: 'webhook.deleted', actor: CLI_ACTOR, detail: { webhookId: id } });
  return { data: { id, deleted: true }, text: `Deleted webhook ${id}; its undelivered events will not be sent.` };
};

export const listDeliveries: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { failed: { type: 'boolean' }, limit: { type: 'string' } } });
  const id = positionals[0];
  if (!id) throw new UsageError('webhook deliveries needs the webhook id');
  const deliveries = await context.webhooks.listDeliveries(id, { failedOnly: values.failed, limit: positiveInteger(values.limit, 'limit', 500) });
  const text = deliveries.length ? deliveries.map(describeDelivery).join('\n') : values.failed ? 'No failed deliveries.' : 'No deliveries yet.';
  return { data: deliveries, text };
};

export const redeliverWebhook: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (!id) throw new UsageError('webhook redeliver needs the delivery id (from webhook deliveries)');
  const delivery = await context.webhooks.redeliver(id);
  await context.audit.record({ type: 'webhook.redelivered', actor: CLI_ACTOR, detail: { webhookId: delivery.webhook_id, deliveryId: delivery.id, eventId: delivery.event_id } });
  return {
    data: delivery,
    text: `Delivery ${delivery.id} (event ${delivery.event_id}) is queued again; a running server sends it within a second, a stopped one when it starts.`,
  };
};

/** One line per delivery: id, state, event, attempts, then when it is next tried or was delivered, and the last answer. */
function describeDelivery(delivery: DeliveryRow): string {
  const when = {
    pending: `next attempt ${delivery.next_attempt_at.toISOString()}`,
    delivered: `delivered ${delivery.delivered_at?.toISOString() ?? '-'}`,
    failed: 'no more attempts',
  }[delivery.status];
  const last = delivery.last_status !== null || delivery.last_error ? `  last: ${escapeForDisplay(delivery.last_error ?? `HTTP ${delivery.last_status}`)}` : '';
  return `${delivery.id}  ${delivery.status.padEnd(9)}  event ${delivery.event_id} ${delivery.event_type ?? '(pruned)'}  attempts ${delivery.attempts}/${MAX_ATTEMPTS}  ${when}${last}`;
}
