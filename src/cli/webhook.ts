import { parseArgs } from 'node:util';
import type { Command } from './context.js';
import { UsageError } from './context.js';

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
