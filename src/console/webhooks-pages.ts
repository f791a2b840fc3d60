import type Router from '@koa/router';
import type { Context } from 'koa';
import { forms, seeOther } from '../accounts/routes/page-kit.js';
import { requireCsrf } from '../http/csrf.js';
import { query } from './admin-api.js';
import { showPage } from './page-kit.js';
import type { ConsoleRouteDeps } from './routes.js';
import { secretFlash } from './secret-flash.js';
import { apiOf, confirmPage, cursorOf, entries, fail, fieldErrorOf, listPage, PAGE_SIZE, text } from './section-kit.js';

const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
const FIELDS = ['url', 'event_types', 'description'] as const;

interface Webhook {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  created_at: string;
  pending: number;
  delivered: number;
  failed: number;
}

interface Delivery {
  id: string;
  event_id: string;
  event_type: string | null;
  status: (typeof DELIVERY_STATES)[number];
  attempts: number;
  next_attempt_at: string;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

const DELETE = { heading: 'console.webhooks.deleteHeading', message: 'console.webhooks.deleteMessage', button: 'console.webhooks.deleteButton' };

/**
 * Webhooks: the list (the admin API's cursors), registration (the signing secret shown once, after
 * the 303, through the same sealed one-minute cookie as a client secret), one webhook's deliveries
 * (paged, by state), redelivery, and deletion behind a confirmation page. The admin API applies the
 * CLI's rules: the event types of docs/events.md and the outbound destination rule.
 */
export function webhookPages(router: Router, deps: ConsoleRouteDeps): void {
  const { read, write } = deps.guard;
  const flash = secretFlash(deps, 'webhook', '/admin/webhooks');
  const blank = { url: '', event_types: '', description: '' };

  router.get('/admin/webhooks', read, async (ctx) => {
    const page = await listPage<Webhook>(ctx, apiOf(deps, ctx), '/webhooks', '/admin/webhooks');
    if (page) showPage(deps, ctx, 'console-webhooks', 'webhooks', { title: 'console.webhooks.title', webhooks: page.items, nextHref: page.nextHref, firstPage: page.firstPage });
  });

  router.get('/admin/webhooks/new', read, (ctx) => {
    showPage(deps, ctx, 'console-webhook-new', 'webhooks', { title: 'console.webhooks.add', form: blank });
  });

  router.post('/admin/webhooks/new', forms, requireCsrf(), write, async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const form = { url: text(body.url, 2100).trim(), event_types: text(body.event_types, 5000), description: text(body.description, 300) };
    const answer = await apiOf(deps, ctx).call<Webhook & { secret: string }>('POST', '/webhooks', {
      url: form.url,
      event_types: entries(form.event_types),
      ...(form.description.trim() ? { description: form.description.trim() } : {}),
    });
    const error = fieldErrorOf(answer, FIELDS);
    if (error) return showPage(deps, ctx, 'console-webhook-new', 'webhooks', { title: 'console.webhooks.add', form, error }, 400);
    if (answer.status !== 201) fail(answer);
    await flash.put(ctx, answer.body.id, answer.body.secret);
    seeOther(ctx, `/admin/webhooks/${answer.body.id}?done=webhook-created`);
  });

  async function loadWebhook(ctx: Context): Promise<Webhook> {
    const answer = await apiOf(deps, ctx).call<Webhook>('GET', `/webhooks/${encodeURIComponent(ctx.params.webhookId)}`);
    if (answer.status !== 200) fail(answer);
    return answer.body;
  }

  router.get('/admin/webhooks/:webhookId', read, async (ctx) => {
    const webhook = await loadWebhook(ctx);
    const status = (DELIVERY_STATES as readonly string[]).includes(ctx.query.status as string) ? (ctx.query.status as string) : undefined;
    const cursor = cursorOf(ctx);
    const base = `/admin/webhooks/${webhook.id}`;
    const answer = await apiOf(deps, ctx).call<{ items: Delivery[]; next_cursor: string | null }>('GET', `/webhooks/${webhook.id}/deliveries${query({ limit: PAGE_SIZE, status, cursor })}`);
    if (answer.status === 400 && cursor) return seeOther(ctx, `${base}${query({ status })}`);
    if (answer.status !== 200) fail(answer);
    showPage(deps, ctx, 'console-webhook', 'webhooks', {
      // The operator's description or the address: data, shown as is (no catalog has it as a key).
      title: webhook.description ?? webhook.url,
      webhook,
      secret: await flash.take(ctx, webhook.id),
      deliveries: answer.body.items,
      status,
      states: DELIVERY_STATES,
      nextHref: answer.body.next_cursor ? `${base}${query({ status, cursor: answer.body.next_cursor })}` : undefined,
      firstHref: cursor ? `${base}${query({ status })}` : undefined,
    });
  });

  // The delivery travels in the form, so the action's page (for a new sign-in) is the webhook's.
  router.post('/admin/webhooks/:webhookId/redeliver', forms, requireCsrf(), write, async (ctx) => {
    const webhook = await loadWebhook(ctx);
    const delivery = text((ctx.request.body as Record<string, unknown>).delivery, 30);
    const answer = await apiOf(deps, ctx).call<Delivery>('POST', `/webhook-deliveries/${encodeURIComponent(delivery || '-')}/redeliver`);
    if (answer.status !== 200) fail(answer);
    seeOther(ctx, `/admin/webhooks/${webhook.id}?done=delivery-queued`);
  });

  router.get('/admin/webhooks/:webhookId/delete', read, async (ctx) => {
    const webhook = await loadWebhook(ctx);
    confirmPage(deps, ctx, 'webhooks', DELETE, webhook.url, `/admin/webhooks/${webhook.id}/delete`, `/admin/webhooks/${webhook.id}`);
  });

  router.post('/admin/webhooks/:webhookId/delete', forms, requireCsrf(), write, async (ctx) => {
    const webhook = await loadWebhook(ctx);
    const answer = await apiOf(deps, ctx).call('DELETE', `/webhooks/${webhook.id}`);
    if (answer.status !== 204) fail(answer);
    seeOther(ctx, '/admin/webhooks?done=webhook-deleted');
  });
}
