/**
 * The catalogue of audit events. Every security-relevant action writes exactly one of these;
 * docs/events.md lists the same names with what each detail holds.
 */
export const EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'logout',
  'mfa.enrolled',
  'mfa.removed',
  'mfa.succeeded',
  'mfa.failed',
  'mfa.recovery_code_used',
  'mfa.recovery_codes_regenerated',
  'mfa.reset',
  'consent.granted',
  'consent.denied',
  'grant.revoked',
  'token.issued',
  'token.refresh_reuse_detected',
  'token.code_replay_detected',
  'token.grant_failed',
  'token.revoked',
  'account.created',
  'account.disabled',
  'account.enabled',
  'account.locked',
  'account.unlocked',
  'client.created',
  'client.deleted',
  'keys.rotated',
  'keys.created',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
