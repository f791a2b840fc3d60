import type Provider from 'oidc-provider';
import type { AuditRecorder } from '../audit/recorder.js';
import type { RequestOrigin } from '../http/request-context.js';
import type { Config } from '../config/load.js';
import type { Mailer } from '../mail/outbox.js';
import type { SessionIndex } from '../oidc/session-index.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import type { AccountTokens } from './account-tokens.js';
import type { AccountLinks } from './links.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy } from './password-policy.js';
import type { ProfileQueries } from './profile-queries.js';
import type { AccountRow } from './queries.js';
import type { AccountService } from './service.js';

/** What the password-reset and account-page services share: mail, links, tokens, sessions and the policy. */
export interface AccountFlowDeps {
  config: Pick<Config, 'accountLinks' | 'product'>;
  accounts: AccountService;
  profile: ProfileQueries;
  tokens: AccountTokens;
  policy: PasswordPolicy;
  hasher: PasswordHasher;
  mailer: Mailer;
  audit: AuditRecorder;
  links: AccountLinks;
  loginProtection: LoginProtection;
  sessions: SessionIndex;
  provider: () => Provider;
  /** Whether the account has a second factor: its password may then be shorter (NIST SP 800-63B). */
  hasSecondFactor?: (account: AccountRow) => Promise<boolean>;
  /**
   * Removes the account's upstream identities and second factor (see recovery-service.ts); returns the
   * names of the providers unlinked and whether a factor was removed.
   */
  removeUnprovenSignIns?: (account: AccountRow, origin: RequestOrigin) => Promise<RemovedSignIns>;
  /** The audit key work an event about an account costs, done for an address without one (no enumeration). */
  keyWorkForNoAccount?: () => Promise<void>;
}

export interface RemovedSignIns {
  providers: string[];
  secondFactor: boolean;
}
