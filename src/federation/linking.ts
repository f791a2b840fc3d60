import type { Context } from 'koa';
import type { AuditRecorder } from '../audit/recorder.js';
import { requestOriginOf } from '../http/request-context.js';
import type { Interaction } from '../interactions/steps.js';
import { ACR_MFA } from '../mfa/policy.js';
import type { FederationStores } from './attempts.js';
import type { FederationBroker } from './broker.js';
import type { ConnectionService } from './connection-service.js';
import type { ConnectionRow } from './queries.js';
import type { UpstreamProfile } from './upstream.js';

/** Whether the upstream's own amr/acr says it did multi-factor authentication. */
export function upstreamDidMfa(profile: UpstreamProfile): boolean {
  return profile.amr.includes('mfa') || profile.acr === ACR_MFA;
}

/**
 * What follows an upstream sign-in: group mapping and its audit event, and the link proven with the
 * local password. Rule: that link is stored only once the whole local sign-in has succeeded, so when
 * the account needs its second factor, the link waits (in the interaction's federation outcome) until
 * the factor is proven; an abandoned or failed second step leaves no link behind.
 */
export function createFederatedSignIns(deps: { stores: FederationStores; broker: FederationBroker; connections: ConnectionService; audit: AuditRecorder }) {
  const { broker } = deps;

  /** Maps groups and records the sign-in; returns whether the upstream's MFA counts here. */
  async function recordSignIn(ctx: Context, connection: ConnectionRow, profile: UpstreamProfile, accountId: string, extra: { created?: boolean; linked?: boolean; clientId?: string }) {
    const groups = await broker.syncGroups(connection, accountId, profile.groups);
    const mfaDone = connection.trust_upstream_mfa && upstreamDidMfa(profile);
    await deps.audit.record({
      type: 'federation.login_succeeded',
      accountId,
      clientId: extra.clientId,
      origin: requestOriginOf(ctx.req),
      detail: { connection: connection.slug, subject: profile.subject, created: extra.created ?? false, linked: extra.linked ?? false, upstreamMfa: mfaDone, groupsAdded: groups.added, groupsRemoved: groups.removed },
    });
    return mfaDone;
  }

  /** Stores the link whose password was just proven (and, if needed, the second factor). */
  async function linkProven(ctx: Context, connection: ConnectionRow, profile: UpstreamProfile, accountId: string, clientId: string) {
    await broker.link(connection, profile, accountId, 'password', { origin: requestOriginOf(ctx.req), clientId });
    return recordSignIn(ctx, connection, profile, accountId, { linked: true, clientId });
  }

  return {
    recordSignIn,
    linkProven,

    /** Keeps a password-proven link until the local second factor of this interaction succeeds. */
    deferUntilMfa: (interaction: Interaction, connection: ConnectionRow, profile: UpstreamProfile, accountId: string) =>
      deps.stores.saveOutcome(interaction.uid, { kind: 'link_after_mfa', connectionId: connection.id, accountId, profile }),

    /** Called by the second step once the factor is proven: stores a link that waited for it. */
    async afterSecondFactor(ctx: Context, interaction: Interaction, accountId: string): Promise<void> {
      const outcome = await deps.stores.findOutcome(interaction.uid);
      if (outcome?.kind !== 'link_after_mfa' || outcome.accountId !== accountId) return;
      await deps.stores.removeOutcome(interaction.uid);
      const connection = await deps.connections.requireConnection(outcome.connectionId);
      await linkProven(ctx, connection, outcome.profile, accountId, String(interaction.params.client_id));
    },
  };
}

export type FederatedSignIns = ReturnType<typeof createFederatedSignIns>;
