import type { AccountRow } from '../accounts/queries.js';
import type { StoredEvent } from '../audit/queries.js';
import { notFound } from '../errors/app-error.js';
import type { GrantView, SessionView } from '../oidc/session-index.js';
import type { Clock } from '../shared/clock.js';
import type { FactorDescription } from '../mfa/service.js';

/**
 * The addresses the account has had, from its own events (an address change records the address
 * before and after, encrypted like every personal value): oldest first, the current one last.
 */
export function emailHistory(account: { email: string; created_at: Date }, events: readonly StoredEvent[]) {
  const changes = events
    .map((event) => ({ at: event.occurred_at, change: (event.detail as { changes?: Record<string, { before?: unknown; after?: unknown }> }).changes?.email }))
    .filter((entry): entry is { at: string; change: { before?: unknown; after?: unknown } } => Boolean(entry.change) && typeof entry.change!.after === 'string' && entry.change!.before !== undefined && entry.change!.before !== null);
  const history: { address: string; since: string; until: string | null }[] = [];
  let since = new Date(account.created_at).toISOString();
  for (const { at, change } of changes) {
    history.push({ address: String(change.before), since, until: at });
    since = at;
  }
  history.push({ address: account.email, since, until: null });
  return history;
}

export const EXPORT_FORMAT = 'idp-account-export/1';

/** What the export reads, each from its own domain's service (narrow on purpose). */
export interface ExportSources {
  findAccount(id: string): Promise<AccountRow | undefined>;
  attributeValues(accountId: string): Promise<Record<string, unknown>>;
  mfaStatus(accountId: string): Promise<{ totpEnrolled: boolean; recoveryCodesRemaining: number }>;
  secondFactors(accountId: string): Promise<FactorDescription[]>;
  /** A self-service deletion waiting for its grace period (ACCOUNT_DELETION_GRACE_DAYS). */
  pendingDeletion(accountId: string): Promise<{ requested_at: Date; erase_after: Date } | undefined>;
  linkedIdentities(accountId: string): Promise<{ connection_id: string; subject: string; email: string | null; created_at: Date; last_login_at: Date | null }[]>;
  /** The account's own events, oldest first, personal values decrypted (docs/privacy.md). */
  events(accountId: string): AsyncIterable<StoredEvent>;
  /** Absent in the stand-alone CLI, which has no protocol engine. */
  sessions?(accountId: string): Promise<SessionView[]>;
  grants?(accountId: string): Promise<GrantView[]>;
}

/**
 * "What do you hold about me?" (docs/privacy.md, "Access"): one JSON document with everything held
 * about one account and nothing about another: profile, attribute values, address history, second
 * factors (kinds, names, dates and counts, never a seed or code), linked upstream identities, live
 * sessions, applications with their scopes, and the account's own audit events. Never a password hash.
 */
export function createAccountExport(deps: { sources: ExportSources; clock: Clock }) {
  const { sources } = deps;
  return {
    async exportAccount(accountId: string) {
      const account = await sources.findAccount(accountId);
      if (!account) throw notFound('no account with this id');
      const { password_hash: passwordHash, ...profile } = account;
      const events: StoredEvent[] = [];
      for await (const event of sources.events(account.id)) events.push(event);
      const mfa = await sources.mfaStatus(account.id);
      return {
        format: EXPORT_FORMAT,
        exported_at: deps.clock.now().toISOString(),
        account: { ...profile, has_password: Boolean(passwordHash) },
        pending_deletion: (await sources.pendingDeletion(account.id)) ?? null,
        attributes: await sources.attributeValues(account.id),
        email_history: emailHistory(account, events),
        second_factors: { totp: mfa.totpEnrolled, recovery_codes_remaining: mfa.recoveryCodesRemaining, factors: await sources.secondFactors(account.id) },
        linked_identities: (await sources.linkedIdentities(account.id)).map((identity) => ({
          connection_id: identity.connection_id, subject: identity.subject, email: identity.email,
          created_at: identity.created_at, last_login_at: identity.last_login_at,
        })),
        sessions: sources.sessions
          ? (await sources.sessions(account.id)).map((session) => ({
            uid: session.uid, user_agent: session.userAgent, ip: session.ip, created_at: session.createdAt,
            last_seen_at: session.lastSeenAt, login_at: session.loginAt, expires_at: session.expiresAt, client_ids: session.clientIds,
          }))
          : null,
        applications: sources.grants
          ? (await sources.grants(account.id)).map((grant) => ({ client_id: grant.clientId, scope: grant.scope, resources: grant.resources, granted_at: grant.createdAt, expires_at: grant.expiresAt }))
          : null,
        events,
      };
    },
  };
}

export type AccountExport = ReturnType<typeof createAccountExport>;
export type AccountExportDocument = Awaited<ReturnType<AccountExport['exportAccount']>>;
