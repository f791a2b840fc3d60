import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { MAX_ATTEMPTS } from '../audit/delivery-queue.js';
import { escapeForDisplay } from '../audit/sanitize.js';
import type { LogoutDeliveryRow } from '../oidc/backchannel-queries.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';
import { positiveInteger } from './events.js';

/** `idp backchannel deliveries`: the queued logout tokens, newest first, like `webhook deliveries`. */
export const listLogoutDeliveries: Command = async (context, { args }) => {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { client: { type: 'string' }, account: { type: 'string' }, failed: { type: 'boolean' }, limit: { type: 'string' } },
  });
  const deliveries = await context.logoutDeliveries.list({
    clientId: values.client,
    accountId: values.account,
    status: values.failed ? 'failed' : undefined,
    limit: positiveInteger(values.limit, 'limit', 500),
  });
  const text = deliveries.length ? deliveries.map(describe).join('\n') : values.failed ? 'No failed deliveries.' : 'No deliveries yet.';
  return { data: deliveries.map(({ jti: _jti, sid: _sid, ...row }) => row), text };
};

/** `idp backchannel redeliver ID`: sends a delivered or failed logout token again, with fresh attempts. */
export const redeliverLogout: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (!id) throw new UsageError('backchannel redeliver needs the delivery id (from backchannel deliveries)');
  const delivery = await context.logoutDeliveries.redeliver(id);
  await context.audit.record({
    type: 'backchannel_logout.redelivered', actor: CLI_ACTOR, accountId: delivery.account_id, clientId: delivery.client_id,
    detail: { deliveryId: delivery.id, reason: delivery.reason },
  });
  const { jti: _jti, sid: _sid, ...data } = delivery;
  return { data, text: `Delivery ${delivery.id} is queued again; a running server sends it within a second, a stopped one when it starts.` };
};

/** One line per delivery: id, state, client, account, why, attempts, then when next or when delivered, and the last answer. */
function describe(delivery: LogoutDeliveryRow): string {
  const when = {
    pending: `next attempt ${delivery.next_attempt_at.toISOString()}`,
    delivered: `delivered ${delivery.delivered_at?.toISOString() ?? '-'}`,
    failed: 'no more attempts',
  }[delivery.status];
  const last = delivery.last_status !== null || delivery.last_error ? `  last: ${escapeForDisplay(delivery.last_error ?? `HTTP ${delivery.last_status}`)}` : '';
  return `${delivery.id}  ${delivery.status.padEnd(9)}  client ${delivery.client_id}  account ${delivery.account_id}  ${delivery.reason}  attempts ${delivery.attempts}/${MAX_ATTEMPTS}  ${when}${last}`;
}
