import type { AuditRecorder } from '../audit/recorder.js';
import type { Metrics } from './registry.js';

/**
 * Counts tokens, logins and MFA outcomes from the audit events, once each event is stored: the
 * audit catalogue already names every such outcome, so metrics need no hooks of their own.
 */
export function countAuditedOutcomes(audit: AuditRecorder, metrics: Metrics): AuditRecorder {
  return {
    ...audit,
    async record(event) {
      await audit.record(event);
      if (event.type === 'token.issued') {
        const grantType = typeof event.detail?.grantType === 'string' ? event.detail.grantType : 'unknown';
        metrics.tokensIssued.inc({ grant_type: grantType, client_id: event.clientId ?? 'unknown' });
      } else if (event.type === 'login.succeeded' || event.type === 'login.failed') {
        const succeeded = event.type === 'login.succeeded';
        metrics.logins.inc({ outcome: succeeded ? 'success' : 'failure', reason: succeeded ? '' : boundedLabel(event.detail?.reason) });
      } else if (event.type.startsWith('mfa.')) {
        metrics.mfa.inc({ outcome: event.type.slice('mfa.'.length) });
      }
    },
  };
}

/** Reasons come from fixed lists in code; anything else is folded so a label cannot grow unbounded. */
function boundedLabel(value: unknown): string {
  return typeof value === 'string' && /^[a-z_]{1,32}$/.test(value) ? value : 'other';
}
