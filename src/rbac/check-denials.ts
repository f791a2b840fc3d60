import type { AuditRecorder } from '../audit/recorder.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { ApiCaller } from './api-guard.js';
import type { CheckAnswer } from './evaluate.js';

/** One check as the caller asked it: `subject` as `account:<id>` or `client:<id>`, `object` as `type:id`. */
export interface AskedCheck {
  subject: string;
  permission: string;
  object?: string;
  resource?: string;
}

/** Records the denied checks of one request; resolves once their events are stored. */
export type DenialAudit = (caller: ApiCaller, origin: RequestOrigin, checks: readonly AskedCheck[], answers: readonly CheckAnswer[]) => Promise<void>;

/**
 * AUDIT_PERMISSION_DENIALS: one `authz.check_denied` event per denied check. The check endpoint is
 * the hottest path after the token endpoint, so the events go through the recorder's group commit
 * (many requests' denials share one transaction) and allowed checks cost nothing. Like every event of
 * a request, they are stored before the answer leaves: if they cannot be, the request fails with 503.
 * When the option is off, the route is given no DenialAudit at all.
 */
export function createDenialAudit(audit: Pick<AuditRecorder, 'record'>): DenialAudit {
  return async (caller, origin, checks, answers) => {
    const writes: Promise<void>[] = [];
    answers.forEach((answer, index) => {
      if (answer.allowed) return;
      const check = checks[index];
      writes.push(
        audit.record({
          type: 'authz.check_denied',
          outcome: 'failure',
          actor: { type: caller.subject.type, id: caller.subject.id },
          clientId: caller.clientId,
          // The person asked about, so the event is found with the other events of that account.
          accountId: check.subject.startsWith('account:') ? check.subject.slice('account:'.length) : undefined,
          origin,
          detail: { subject: check.subject, permission: check.permission, resource: check.resource, object: check.object, reason: answer.reason },
        }),
      );
    });
    await Promise.all(writes);
  };
}
