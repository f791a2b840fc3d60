/**
 * The catalogue of audit events. Every security-relevant action writes exactly one of these;
 * docs/events.md lists the same names with what each detail holds.
 */
export const EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'logout',
  'consent.granted',
  'consent.denied',
  'grant.revoked',
  'token.issued',
  'token.refresh_reuse_detected',
  'token.code_replay_detected',
  'token.grant_failed',
  'token.revoked',
  // Sampled: the first introspection per client per minute on each instance, with the count since the last one.
  'token.introspected',
  'account.created',
  'account.disabled',
  'account.enabled',
  'client.created',
  'client.deleted',
  'webhook.created',
  'webhook.deleted',
  'audit.pruned',
  'keys.rotated',
  'keys.created',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
