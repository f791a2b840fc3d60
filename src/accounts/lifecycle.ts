import type { PasswordlessReadiness } from '../passkeys/policy.js';
import type Provider from 'oidc-provider';
import type { Knex } from 'knex';
import type { AuditRecorder } from '../audit/recorder.js';
import type { ClientService } from '../clients/service.js';
import type { Config } from '../config/load.js';
import type { I18n } from '../i18n/index.js';
import { createMailer, createMailWorker } from '../mail/outbox.js';
import { createOutboxQueries } from '../mail/queries.js';
import { createMailRenderer } from '../mail/templates.js';
import type { Theme } from '../http/theme.js';
import { createMailTransport } from '../mail/transport.js';
import { createIndexQueries } from '../oidc/index-queries.js';
import { createSessionIndex, type SessionEndedListener } from '../oidc/session-index.js';
import type { LoginProtection } from '../ratelimit/login-protection.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { SecretBox } from '../shared/secret-box.js';
import { createAccountTokens } from './account-tokens.js';
import { createAccountTokenQueries } from './token-queries.js';
import { accountLinks } from './links.js';
import type { PasswordHasher } from './password-hasher.js';
import { createPasswordPolicy } from './password-policy.js';
import { createProfileQueries } from './profile-queries.js';
import { createOperatorLinks } from './operator-links.js';
import { createRecoveryService } from './recovery-service.js';
import { createSelfService } from './self-service.js';
import type { AccountFlowDeps } from './flow-deps.js';
import type { AccountRow } from './queries.js';
import type { AccountService } from './service.js';
import { createSignupService } from './signup-service.js';

/** The account → sessions/grants index; built before the provider, which reports to it. */
export function buildSessionIndex(deps: { config: Config; db: Knex; clock: Clock; logger: Logger; onSessionEnded?: SessionEndedListener }) {
  return createSessionIndex({
    queries: createIndexQueries(deps.db),
    box: new SecretBox(deps.config.serverSecrets, 'session-index'),
    clock: deps.clock,
    logger: deps.logger,
    onSessionEnded: deps.onSessionEnded,
  });
}

/**
 * Wiring of the account lifecycle: mail (queue, worker, templates), single-use links, the password
 * policy, sign-up and verification, recovery, and the self-service account page.
 */
export function buildAccountLifecycle(deps: {
  config: Config;
  i18n: I18n;
  db: Knex;
  clock: Clock;
  logger: Logger;
  accounts: AccountService;
  clients: ClientService;
  audit: AuditRecorder;
  hasher: PasswordHasher;
  loginProtection: LoginProtection;
  sessionIndex: ReturnType<typeof buildSessionIndex>;
  provider: () => Provider;
  consoleClientId: string;
  /** Whether the account has a second factor: its password may then be shorter (NIST SP 800-63B). */
  hasSecondFactor?: (account: AccountRow) => Promise<boolean>;
  /** What a passwordless account needs (passkeys, unused recovery codes): see passkeys/policy.ts canRemovePassword. */
  passwordlessReadiness?: (accountId: string) => Promise<PasswordlessReadiness>;
  removeUnprovenSignIns?: AccountFlowDeps['removeUnprovenSignIns'];
  keyWorkForNoAccount?: AccountFlowDeps['keyWorkForNoAccount'];
  /** THEME_DIR: its mail templates replace those of views/mail/. */
  theme?: Theme;
}) {
  const { config, db, clock, logger } = deps;
  const outboxQueries = createOutboxQueries(db);
  const mailBox = new SecretBox(config.serverSecrets, 'mail-outbox');
  const transport = createMailTransport(config.mail, logger);
  const mailWorker = createMailWorker({ queries: outboxQueries, box: mailBox, transport, clock, logger });
  const mailer = createMailer({
    queries: outboxQueries,
    box: mailBox,
    render: createMailRenderer({ productName: config.product.name, issuer: config.issuer }, deps.i18n, deps.theme),
    // A mail is in its recipient's saved language; else in the language of the page that sent it.
    localeOf: async (address) => (await deps.accounts.findByEmail(address))?.locale ?? undefined,
    clock,
    onQueued: () => mailWorker.kick(),
  });
  const tokens = createAccountTokens({ queries: createAccountTokenQueries(db), clock });
  const policy = createPasswordPolicy(config.passwordPolicy);
  const shared = {
    config,
    accounts: deps.accounts,
    profile: createProfileQueries(db),
    tokens,
    policy,
    hasher: deps.hasher,
    mailer,
    audit: deps.audit,
    links: accountLinks(config.issuer),
  };
  return {
    mailer,
    mailWorker,
    mailTransport: transport,
    passwordPolicy: policy,
    accountTokens: tokens,
    signup: createSignupService(shared),
    operatorLinks: createOperatorLinks({ tokens, mailer, links: shared.links, audit: deps.audit, resetTtl: config.accountLinks.resetTtl, invitationTtl: config.scim.invitationTtl }),
    recovery: createRecoveryService({
      ...shared,
      loginProtection: deps.loginProtection,
      sessions: deps.sessionIndex,
      provider: deps.provider,
      hasSecondFactor: deps.hasSecondFactor,
      removeUnprovenSignIns: deps.removeUnprovenSignIns,
      keyWorkForNoAccount: deps.keyWorkForNoAccount,
    }),
    selfService: createSelfService({
      ...shared,
      loginProtection: deps.loginProtection,
      sessions: deps.sessionIndex,
      clients: deps.clients,
      provider: deps.provider,
      consoleClientId: deps.consoleClientId,
      hasSecondFactor: deps.hasSecondFactor,
      passwordlessReadiness: deps.passwordlessReadiness,
    }),
  };
}

export type AccountLifecycle = ReturnType<typeof buildAccountLifecycle>;
