import { recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError } from '../errors/app-error.js';
import type { Mailer } from '../mail/outbox.js';
import type { AccountTokens } from './account-tokens.js';
import type { AccountLinks } from './links.js';
import type { AccountRow } from './queries.js';

export interface OperatorLinkDeps {
  tokens: AccountTokens;
  mailer: Mailer;
  links: AccountLinks;
  audit: AuditRecorder;
  /** PASSWORD_RESET_TTL */
  resetTtl: number;
  /** SCIM_INVITATION_TTL: one lifetime for every invitation, whether a directory or an operator sends it. */
  invitationTtl: number;
}

/**
 * Links an operator has mailed to a person (admin API, console): a password reset link, or an
 * invitation to set a first password. Each is the same single-use reset link as "Forgot password"
 * (recovery-service.ts completes it, with all its rules), sent only to the account's own address:
 * the operator never sees it, so the link proves the address and the operator cannot sign in as the
 * person. A disabled account gets none (409): it could not sign in with the new password.
 */
export function createOperatorLinks(deps: OperatorLinkDeps) {
  /** The link and its mail, nothing else; returns the link's lifetime in seconds. */
  async function mailLink(account: Pick<AccountRow, 'id' | 'email'>, kind: 'reset' | 'invitation'): Promise<number> {
    const ttl = kind === 'reset' ? deps.resetTtl : deps.invitationTtl;
    const token = await deps.tokens.issue({ account: account as AccountRow, purpose: 'reset_password', email: account.email, ttlSeconds: ttl });
    await deps.mailer.send(account.email, kind === 'reset' ? 'password-reset' : 'invitation', { link: deps.links.reset(token), expiresIn: ttl });
    return ttl;
  }

  async function send(account: AccountRow, actor: Actor, kind: 'reset' | 'invitation'): Promise<void> {
    if (account.status !== 'active') throw new AppError('ACCOUNT_DISABLED', 409, 'the account is disabled: enable it before sending it a link');
    const ttl = await mailLink(account, kind);
    await recordChange(deps.audit, {
      type: kind === 'reset' ? 'account.password_reset_requested' : 'account.invited',
      actor,
      target: { type: 'account', id: account.id, name: account.email },
      accountId: account.id,
      detail: { via: 'operator', expiresInSeconds: ttl },
    });
  }
  return {
    /** Mails the person a password reset link (PASSWORD_RESET_TTL). */
    sendResetLink: (account: AccountRow, actor: Actor) => send(account, actor, 'reset'),
    /** Mails the person an invitation: a link to set their password (SCIM_INVITATION_TTL). */
    sendInvitation: (account: AccountRow, actor: Actor) => send(account, actor, 'invitation'),
    /**
     * The invitation a SCIM directory's new active user gets: the same link and mail, for an account the
     * directory has just created (active by then); the SCIM service records its own events.
     */
    mailInvitation: (account: Pick<AccountRow, 'id' | 'email'>) => mailLink(account, 'invitation').then(() => undefined),
  };
}

export type OperatorLinks = ReturnType<typeof createOperatorLinks>;
