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
  'account.created',
  'account.disabled',
  'account.enabled',
  'account.locked',
  'account.unlocked',
  'client.created',
  'client.deleted',
  'keys.rotated',
  'keys.created',
  // Account lifecycle (docs/accounts.md): sign-up, verification, reset, the account page.
  'account.signup_duplicate',
  'account.verification_sent',
  'account.email_verified',
  'account.password_reset_requested',
  'account.password_reset',
  'account.password_changed',
  'account.email_change_requested',
  'account.email_changed',
  'account.profile_updated',
  'session.revoked',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
