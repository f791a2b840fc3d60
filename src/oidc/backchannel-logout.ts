import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import { type DeliveryStatus, CLAIM_BATCH, DELIVERY_NO_ANSWER, DELIVERY_REFUSED, isBigintId, LEASE_MS, MAX_ATTEMPTS, REQUEST_TIMEOUT_MS, retryDelayMs } from '../audit/delivery-queue.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, notFound } from '../errors/app-error.js';
import { isDestinationRefused, type OutboundGuard } from '../outbound/guard.js';
import type { Clock } from '../shared/clock.js';
import type { ClaimedLogoutDelivery, LogoutDeliveryQueries, LogoutDeliveryRow } from './backchannel-queries.js';
import type { EndedSessionClient } from './session-index.js';

/** OpenID Connect Back-Channel Logout 1.0 §2.4: the event that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutOutcome {
  deliveryId: string;
  clientId: string;
  result: 'delivered' | 'retrying' | 'failed';
  status?: number;
  error?: string;
}

interface LogoutClient {
  clientId: string;
  backchannelLogoutUri?: string;
}

type ProviderWithClients = Provider & { Client: { find(id: string): Promise<LogoutClient | undefined> } };

/**
 * Back-channel logout: when a session ends, every relying party it signed in to that registered a
 * `backchannel_logout_uri` is sent a logout token. Ending a session only queues rows (one insert);
 * the background worker posts them through the outbound guard, retrying with the webhooks' backoff,
 * so a receiver that is down or slow never delays anyone's sign-out. The token is built at send time
 * by oidc-provider's IdToken with use 'logout' (typ logout+jwt, the provider's current signing key,
 * 2 minutes' lifetime, never a nonce); its `jti` is the delivery's, the same on every retry, so a
 * receiver can refuse a replay and count a retry once.
 */
export function createBackchannelLogout(deps: {
  queries: LogoutDeliveryQueries;
  clock: Clock;
  audit: Pick<AuditRecorder, 'record'>;
  outbound: Pick<OutboundGuard, 'fetch'>;
  provider: () => Provider;
  /** Only clients with a registered URI get a row (read from the client registry). */
  findClient: (clientId: string) => Promise<{ metadata: Record<string, unknown> } | undefined>;
}) {
  const { queries, clock } = deps;
  let nudge: (() => void) | undefined;

  async function logoutToken(client: LogoutClient, claim: ClaimedLogoutDelivery): Promise<string> {
    const provider = deps.provider() as unknown as { IdToken: new (claims: object, options: { client: unknown }) => {
      mask: unknown; set(key: string, value: unknown): void; issue(options: { use: 'logout' }): Promise<string>;
    } };
    const token = new provider.IdToken({ sub: claim.account_id }, { client });
    token.mask = { sub: null };
    token.set('events', { [BACKCHANNEL_LOGOUT_EVENT]: {} });
    token.set('jti', claim.jti);
    // §2.4: sid names the session at this relying party. Sent whenever known (so a client that set
    // backchannel_logout_session_required gets it); a token for an application's removed access
    // with no session left names only the account (sub), which §2.6 lets the client act on.
    if (claim.sid) token.set('sid', claim.sid);
    return token.issue({ use: 'logout' });
  }

  async function deliver(claim: ClaimedLogoutDelivery): Promise<LogoutOutcome> {
    const outcome = { deliveryId: claim.id, clientId: claim.client_id };
    // A client whose registration no longer loads counts as gone; a store outage propagates, and the
    // lease lets the delivery be claimed again later.
    const client = await (deps.provider() as ProviderWithClients).Client.find(claim.client_id).catch((error: unknown) => {
      if ((error as Error).name === 'InvalidClientMetadata') return undefined;
      throw error;
    });
    if (!client?.backchannelLogoutUri) {
      const error = 'the client no longer has a backchannel_logout_uri';
      await queries.markFailed(claim.id, null, error);
      return { ...outcome, result: 'failed', error };
    }
    let status: number | undefined;
    let error: string;
    let logoutTokenValue: string | undefined;
    try {
      logoutTokenValue = await logoutToken(client, claim);
      const response = await deps.outbound.fetch(client.backchannelLogoutUri, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'idp-backchannel-logout/1' },
        body: new URLSearchParams({ logout_token: logoutTokenValue }),
      });
      status = response.status;
      await response.body?.cancel();
      // §2.8: 200 OK on success; 204 is accepted too, as oidc-provider does.
      if (status === 200 || status === 204) {
        await queries.markDelivered(claim.id, clock.now(), status);
        return { ...outcome, result: 'delivered', status };
      }
      error = `HTTP ${status}`;
    } catch (cause) {
      error = logoutTokenValue === undefined ? 'could not sign the logout token' : isDestinationRefused(cause) ? DELIVERY_REFUSED : DELIVERY_NO_ANSWER;
    }
    if (claim.attempts >= MAX_ATTEMPTS) {
      await queries.markFailed(claim.id, status ?? null, error);
      return { ...outcome, result: 'failed', status, error };
    }
    await queries.markRetry(claim.id, new Date(clock.now().getTime() + retryDelayMs(claim.attempts)), status ?? null, error);
    return { ...outcome, result: 'retrying', status, error };
  }

  const EVENT_OF = { delivered: 'backchannel_logout.delivered', retrying: 'backchannel_logout.retrying', failed: 'backchannel_logout.failed' } as const;

  return {
    /** Called when rows were queued (the background worker delivers at once instead of at its next poll). */
    onQueued(listener: () => void): void {
      nudge = listener;
    },

    /** Queues a logout token for each of the clients that registered a back-channel logout URI; returns how many. */
    async enqueue(ended: { accountId: string; clients: EndedSessionClient[]; reason: string }): Promise<number> {
      const now = clock.now();
      const rows = [];
      for (const { clientId, sid } of ended.clients) {
        const client = await deps.findClient(clientId);
        if (typeof client?.metadata.backchannel_logout_uri !== 'string') continue;
        rows.push({
          client_id: clientId, account_id: ended.accountId, sid: sid ?? null, reason: ended.reason,
          jti: randomBytes(18).toString('base64url'), next_attempt_at: now, created_at: now,
        });
      }
      const queued = await queries.insertDeliveries(rows);
      if (queued > 0) nudge?.();
      return queued;
    },

    /** Claims due deliveries, posts them, records each outcome as an audit event; safe on many instances at once. */
    async deliverDue(): Promise<LogoutOutcome[]> {
      const now = clock.now();
      const claimed = await queries.claimDueDeliveries(now, new Date(now.getTime() + LEASE_MS), CLAIM_BATCH);
      const outcomes = await Promise.all(claimed.map((claim) => deliver(claim)));
      for (const [index, outcome] of outcomes.entries()) {
        const claim = claimed[index];
        await deps.audit.record({
          type: EVENT_OF[outcome.result],
          outcome: outcome.result === 'delivered' ? 'success' : 'failure',
          actor: { type: 'system', id: 'backchannel-logout' },
          accountId: claim.account_id,
          clientId: claim.client_id,
          detail: { deliveryId: claim.id, reason: claim.reason, attempt: claim.attempts, status: outcome.status ?? null, ...(outcome.error ? { error: outcome.error } : {}) },
        });
      }
      return outcomes;
    },

  };
}

export type BackchannelLogout = ReturnType<typeof createBackchannelLogout>;

/**
 * The delivery log, for operators (CLI and admin API): needs only the database, so the stand-alone
 * CLI has it too. A delivery queued again here is sent by a running server within a second.
 */
export function createLogoutDeliveryLog(deps: { queries: LogoutDeliveryQueries; clock: Clock }) {
  const { queries, clock } = deps;
  return {
    /** Recent deliveries, newest first: their state, attempts, next retry and last answer. */
    list(filter: { clientId?: string; accountId?: string; status?: DeliveryStatus; limit?: number } = {}): Promise<LogoutDeliveryRow[]> {
      return queries.listDeliveries({ ...filter, limit: filter.limit ?? 20 });
    },

    /** Sends a delivered or failed delivery again, due at once with a fresh set of attempts (same jti). */
    async redeliver(deliveryId: string): Promise<LogoutDeliveryRow> {
      const delivery = isBigintId(deliveryId) ? await queries.findDelivery(deliveryId) : undefined;
      if (!delivery) throw notFound('no back-channel logout delivery with this id');
      if (delivery.status === 'pending' || !(await queries.requeueDelivery(deliveryId, clock.now()))) {
        throw new AppError('DELIVERY_PENDING', 409, `delivery ${deliveryId} is still queued: attempt ${delivery.attempts + 1} is due at ${delivery.next_attempt_at.toISOString()}`);
      }
      return (await queries.findDelivery(deliveryId))!;
    },
  };
}

export type LogoutDeliveryLog = ReturnType<typeof createLogoutDeliveryLog>;

/**
 * RP-initiated logout (end_session) is the one path oidc-provider itself sends logout tokens on, and
 * it awaits every receiver before answering. Its per-client call is replaced by a queue insert, so
 * that path, too, answers at once and gets retries, the delivery log and the audit events.
 */
export function installQueuedBackchannelLogout(provider: Provider, logouts: Pick<BackchannelLogout, 'enqueue'>): void {
  const prototype = (provider.Client as unknown as { prototype: { backchannelLogout(sub: string, sid?: string): Promise<void> } }).prototype;
  prototype.backchannelLogout = async function queued(this: { clientId: string }, sub: string, sid?: string) {
    await logouts.enqueue({ accountId: sub, clients: [{ clientId: this.clientId, sid }], reason: 'signed_out' });
  };
}
