import { z } from 'zod';
import 'zod-openapi';
import type { DeliveryRow, WebhookSummary } from '../audit/webhook-queries.js';
import type { AdminDeps } from './deps.js';
import { pageOf, pageQuery, pageSchema, route, type AdminRoute } from './route-kit.js';

const timestamp = z.iso.datetime().meta({ description: 'RFC 3339 time' });

const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  event_types: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  created_at: timestamp,
  pending: z.number().int().meta({ description: 'Deliveries queued or being retried' }),
  delivered: z.number().int(),
  failed: z.number().int().meta({ description: 'Deliveries that used up their attempts' }),
}).meta({ id: 'Webhook' });

const createdWebhookSchema = webhookSchema.extend({
  secret: z.string().meta({ description: 'The signing secret of the Idp-Signature header: returned this once, stored encrypted, never shown again' }),
}).meta({ id: 'CreatedWebhook' });

/** Checked again by the webhook service (URL rules, event types, the outbound destination rule); these are the shape. */
const createWebhookSchema = z.strictObject({
  url: z.string().min(1).max(2048).meta({ description: 'http(s) URL with no credentials; a public address unless OUTBOUND_ALLOWED_HOSTS names it' }),
  event_types: z.array(z.string().min(1).max(100)).min(1).max(50).meta({ description: 'Event types from docs/events.md, categories such as login.*, or *' }),
  description: z.string().max(200).optional(),
});

const deliverySchema = z.object({
  id: z.string().meta({ description: 'Delivery id (decimal)' }),
  webhook_id: z.uuid(),
  event_id: z.string(),
  event_type: z.string().nullable().meta({ description: 'Null when the event was pruned' }),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  next_attempt_at: timestamp.meta({ description: 'Meaningful while pending' }),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: timestamp.nullable(),
  created_at: timestamp,
}).meta({ id: 'WebhookDelivery' });

const deliveriesQuery = pageQuery.extend({
  status: z.enum(['pending', 'delivered', 'failed']).optional().meta({ description: 'Only deliveries in this state' }),
});

const presentWebhook = (hook: WebhookSummary) => hook;
const presentDelivery = (delivery: DeliveryRow) => delivery;

/**
 * Webhooks over the webhook service the CLI uses (src/cli/webhook.ts): the same validation and
 * outbound destination rule, recorded with the caller as actor instead of `cli`.
 */
export function webhookRoutes(deps: AdminDeps): AdminRoute[] {
  const { webhooks, audit } = deps;
  return [
    route({
      method: 'get', path: '/webhooks', tag: 'webhooks', summary: 'List webhooks with their delivery counts', query: pageQuery, response: pageSchema(webhookSchema),
      handler: async ({ query }) => pageOf(await webhooks.listWebhooksPage(query), presentWebhook),
    }),
    route({
      method: 'post', path: '/webhooks', tag: 'webhooks', status: 201, body: createWebhookSchema, response: createdWebhookSchema,
      summary: 'Register a webhook; its signing secret is in this answer only',
      handler: async ({ body, actor }) => {
        const { webhook, secret } = await webhooks.createWebhook({ url: body.url, eventTypes: body.event_types, description: body.description });
        await audit.record({ type: 'webhook.created', actor, detail: { webhookId: webhook.id, url: webhook.url, eventTypes: webhook.event_types } });
        return { ...webhook, pending: 0, delivered: 0, failed: 0, secret };
      },
    }),
    route({
      method: 'get', path: '/webhooks/:webhookId', tag: 'webhooks', summary: 'Get a webhook with its delivery counts (never its secret)', response: webhookSchema,
      handler: async ({ params }) => presentWebhook(await webhooks.requireWebhook(params.webhookId)),
    }),
    route({
      method: 'delete', path: '/webhooks/:webhookId', tag: 'webhooks', status: 204, summary: 'Delete a webhook; its undelivered events are not sent',
      handler: async ({ params, actor }) => {
        await webhooks.deleteWebhook(params.webhookId);
        await audit.record({ type: 'webhook.deleted', actor, detail: { webhookId: params.webhookId } });
      },
    }),
    route({
      method: 'get', path: '/webhooks/:webhookId/deliveries', tag: 'webhooks', query: deliveriesQuery, response: pageSchema(deliverySchema),
      summary: "A webhook's deliveries, newest first: state, attempts, next retry, last answer",
      handler: async ({ params, query }) => pageOf(await webhooks.listDeliveriesPage(params.webhookId, query), presentDelivery),
    }),
    route({
      method: 'post', path: '/webhook-deliveries/:deliveryId/redeliver', tag: 'webhooks', response: deliverySchema,
      summary: 'Queue a delivered or failed delivery again (409 while it is still pending, or when its event was pruned)',
      handler: async ({ params, actor }) => {
        const delivery = await webhooks.redeliver(params.deliveryId);
        await audit.record({ type: 'webhook.redelivered', actor, detail: { webhookId: delivery.webhook_id, deliveryId: delivery.id, eventId: delivery.event_id } });
        return delivery;
      },
    }),
  ];
}
