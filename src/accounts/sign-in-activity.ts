import type { EventType } from '../audit/event-types.js';
import type { StoredEvent } from '../audit/queries.js';
import { escapeForDisplay } from '../audit/sanitize.js';
import type { EventReader } from '../audit/service.js';
import { AMR, usedPasskey } from '../mfa/policy.js';

/** One line of a person's recent sign-in activity, worded for them (catalog keys activity.*). */
export interface ActivityEntry {
  /** UTC, as stored: `2026-11-27T10:00:00.123000Z`. */
  occurredAt: string;
  description: string;
  outcome: 'success' | 'failure';
  ip: string | null;
  /** The full User-Agent, with control characters made visible (`\u000a`); HTML is escaped by the page. */
  userAgent: string | null;
  clientName: string | null;
}

interface Wording {
  describe(event: StoredEvent): string;
  /** Made by an operator (admin API or CLI): where the operator was is not the person's business. */
  byOperator?: boolean | ((event: StoredEvent) => boolean);
}

const fixed = (text: string): Wording => ({ describe: () => text });

/**
 * The events a person sees on their account page (docs/events.md, "Your own activity"): sign-ins and
 * failed attempts, second-factor steps and changes, lockouts, and changes of password and address.
 * Each is worded without its internal detail: a failed sign-in never says whether the password was
 * wrong, the account locked or disabled, because the page must say no more than the login page did.
 */
const ACTIVITY: Partial<Record<EventType, Wording>> = {
  'login.succeeded': { describe: signedInWording },
  'login.failed': fixed('activity.loginFailed'),
  'mfa.failed': fixed('activity.mfaFailed'),
  'mfa.recovery_code_used': fixed('activity.recoveryCodeUsed'),
  'mfa.enrolled': fixed('activity.mfaEnrolled'),
  'mfa.removed': fixed('activity.mfaRemoved'),
  'mfa.recovery_codes_regenerated': fixed('activity.recoveryCodesRegenerated'),
  'mfa.reset': { ...fixed('activity.mfaReset'), byOperator: true },
  'account.locked': fixed('activity.locked'),
  'account.unlocked': { ...fixed('activity.unlocked'), byOperator: true },
  'account.password_changed': { describe: (event) => (event.outcome === 'success' ? 'activity.passwordChanged' : 'activity.passwordChangeFailed') },
  'account.password_removed': fixed('activity.passwordRemoved'),
  'account.password_reset': fixed('activity.passwordReset'),
  'passkey.registered': fixed('activity.passkeyAdded'),
  'passkey.removed': {
    describe: (event) => (event.detail?.byOperator ? 'activity.passkeyRemovedByOperator' : 'activity.passkeyRemoved'),
    byOperator: (event) => Boolean(event.detail?.byOperator),
  },
  'passkey.failed': fixed('activity.passkeyFailed'),
  'passkey.clone_suspected': fixed('activity.passkeyCloneSuspected'),
  'account.email_changed': fixed('activity.emailChanged'),
};

export const ACTIVITY_TYPES = Object.keys(ACTIVITY) as EventType[];

/** A passkey sign-in (RFC 8176 hwk/swk) is named as such; its `mfa` would otherwise read as a code. A catalog key. */
function signedInWording(event: StoredEvent): string {
  const amr = amrOf(event);
  if (usedPasskey(amr)) return 'activity.signedInPasskey';
  return amr.includes(AMR.multiFactor) ? 'activity.signedInMfa' : 'activity.signedIn';
}

function amrOf(event: StoredEvent): string[] {
  const amr = event.detail?.amr;
  return Array.isArray(amr) ? amr.filter((method): method is string => typeof method === 'string') : [];
}

/**
 * A person's own recent sign-in activity, read through the audit log's reader: only events whose
 * account is theirs (`account_id`, indexed with the id), newest first.
 */
export function createSignInActivity(deps: {
  events: Pick<EventReader, 'list'>;
  /** A client's display name; undefined for a client that no longer exists. */
  clientName(clientId: string): Promise<string | undefined>;
}) {
  return {
    async recent(accountId: string, limit = 10): Promise<ActivityEntry[]> {
      const page = await deps.events.list({ accountId, types: ACTIVITY_TYPES }, { limit, order: 'desc' });
      const clientIds = [...new Set(page.items.map((event) => event.client_id).filter((id): id is string => Boolean(id)))];
      const names = new Map(await Promise.all(clientIds.map(async (id) => [id, (await deps.clientName(id)) ?? null] as const)));
      return page.items.map((event) => {
        const wording = ACTIVITY[event.type as EventType]!;
        const shown = !(typeof wording.byOperator === 'function' ? wording.byOperator(event) : wording.byOperator);
        return {
          occurredAt: event.occurred_at,
          description: wording.describe(event),
          outcome: event.outcome,
          ip: shown ? event.ip : null,
          userAgent: shown && event.user_agent ? escapeForDisplay(event.user_agent) : null,
          clientName: event.client_id ? (names.get(event.client_id) ?? null) : null,
        };
      });
    },
  };
}

export type SignInActivity = ReturnType<typeof createSignInActivity>;
