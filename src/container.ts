import type { RedisClient as Redis } from './storage/redis.js';
import { buildAccountLifecycle, buildSessionIndex } from './accounts/lifecycle.js';
import { accountLinks } from './accounts/links.js';
import { createAccountTokenQueries } from './accounts/token-queries.js';
import { createBcryptHasher, type PasswordHasher } from './accounts/password-hasher.js';
import { createAccountQueries } from './accounts/queries.js';
import { createAccountService } from './accounts/service.js';
import { createAttributeQueries } from './attributes/queries.js';
import { createAttributeService } from './attributes/service.js';
import { createEventQueries } from './audit/queries.js';
import { createAuditRecorder } from './audit/recorder.js';
import { createAuditBackground, type AuditBackgroundOptions } from './audit/background.js';
import { createAuditServices } from './audit/services.js';
import { createAccountErasure } from './privacy/account-erasure.js';
import { createAccountExport, type ExportSources } from './privacy/account-export.js';
import { createErasureQueries } from './privacy/erasure-queries.js';
import { createPersonalDataVault } from './privacy/vault.js';
import { createDeletionRequestQueries } from './privacy/deletion-request-queries.js';
import { createSelfDeletion } from './privacy/self-deletion.js';
import { createRetention } from './privacy/retention.js';
import { createInactivityQueries } from './privacy/inactivity-queries.js';
import { createOutboxQueries } from './mail/queries.js';
import { createPasswordConfirmation } from './accounts/password-confirmation.js';
import { recordConfigChanges } from './audit/config-changes.js';
import { createConfigStateQueries } from './audit/config-state-queries.js';
import { shownSettings, type EffectiveSetting } from './config/settings.js';
import { ensureAccountConsoleClient } from './clients/account-console.js';
import { ensureAdminConsoleClient } from './clients/admin-console.js';
import { createClientQueries } from './clients/queries.js';
import { createClientService } from './clients/service.js';
import { createExchangePolicyQueries } from './clients/exchange-policy-queries.js';
import { createExchangePolicyService } from './clients/exchange-policy.js';
import type { Config } from './config/load.js';
import type { RequestOrigin } from './http/request-context.js';
import { createConnectionService } from './federation/connection-service.js';
import { buildFederation } from './federation/index.js';
import { createFederationQueries } from './federation/queries.js';
import { createOutboundGuard, type Resolver } from './outbound/guard.js';
import { SecretBox } from './shared/secret-box.js';
import { createRenderer, VIEWS_DIRECTORY } from './http/views.js';
import { loadTheme, type Theme } from './http/theme.js';
import { brandStylesheet } from './http/brand-stylesheet.js';
import { createI18n } from './i18n/index.js';
import { loadCatalogs } from './i18n/catalogs.js';
import { countAuditedOutcomes } from './metrics/audit.js';
import { createMetrics, type Metrics } from './metrics/registry.js';
import { watchStorage } from './metrics/storage.js';
import { createKeyQueries } from './keys/queries.js';
import { createPendingLogins } from './mfa/pending-login.js';
import { createMfaPolicy } from './mfa/policy.js';
import { createMfaQueries } from './mfa/queries.js';
import { createMfaService } from './mfa/service.js';
import { createChallengeStore } from './passkeys/challenges.js';
import { createPasskeyChanges, type PasskeyChangeDeps } from './passkeys/changes.js';
import { CEREMONY_TIMEOUT_SECONDS } from './passkeys/policy.js';
import { createPasskeyQueries } from './passkeys/queries.js';
import { createPasskeyService } from './passkeys/service.js';
import { createKeyService } from './keys/service.js';
import { createAdapterFactory } from './oidc/adapters/factory.js';
import { purgeExpiredModels } from './oidc/adapters/sql-adapter.js';
import { createProviderHolder, type ProviderHolder } from './oidc/provider.js';
import { dpopNonceSecret } from './oidc/dpop.js';
import { createSubjectTokenVerifier } from './oidc/subject-token.js';
import { createSessionPolicy } from './oidc/session-policy.js';
import { createBackchannelLogout, createLogoutDeliveryLog, installQueuedBackchannelLogout } from './oidc/backchannel-logout.js';
import { createLogoutDeliveryQueries } from './oidc/backchannel-queries.js';
import { createLoginProtection } from './ratelimit/login-protection.js';
import { createMailLimit } from './ratelimit/mail-limit.js';
import { createLimiterFactory } from './ratelimit/store.js';
import { createTokenEndpointLimit } from './ratelimit/token-endpoint.js';
import { createUserCodeEntryLimit } from './ratelimit/user-code-entry.js';
import { createDevicePollingLimit } from './ratelimit/device-polling.js';
import { installDevicePageGuards } from './oidc/device-audit.js';
import { MAX_RESOURCE_TOKEN_TTL } from './rbac/schemas.js';
import { createApiGuard } from './rbac/api-guard.js';
import { createRbacServices } from './rbac/services.js';
import { ensureSystemResources } from './rbac/system-resources.js';
import { isUuid } from './rbac/subjects.js';
import { openDatabase, type Database } from './storage/database.js';
import { probeDependencies } from './storage/health.js';
import { migrateToLatest } from './storage/migrate.js';
import { connectRedis, openRedis } from './storage/redis.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/logger.js';
import { buildScim, createDirectoryQueries, createDirectoryService } from './scim/index.js';

export interface ContainerOptions {
  /** An already open database (tests hand in one per worker); otherwise opened from config. */
  database?: Database;
  /** An already connected Redis, or null to force the SQL store even when REDIS_URL is set. */
  redis?: Redis | null;
  clock?: Clock;
  logger?: Logger;
  hasher?: PasswordHasher;
  metrics?: Metrics;
  /** Webhook polling and chain maintenance intervals (tests shorten them). */
  auditBackground?: AuditBackgroundOptions;
  /** How webhooks and upstream connections resolve host names (tests hand in a fake DNS). */
  outboundResolver?: Resolver;
  /** The theme main() already loaded (and checked); loaded from config.brand.themeDir when absent. */
  theme?: Theme;
}

/** Queries and services over an open database: all the CLI needs, and the base of the server. */
export function buildServices(deps: {
  config: Config;
  db: Database['db'];
  redis?: Redis;
  clock: Clock;
  hasher?: PasswordHasher;
  /** Called after a change to the attribute schema or claim scopes (the server reloads its provider). */
  onSchemaChange?: () => Promise<unknown>;
  outboundResolver?: Resolver;
}) {
  const { config, db, clock } = deps;
  // Every request to an operator-registered destination (webhooks, upstream providers) goes through it.
  const outbound = createOutboundGuard({ allowList: config.outboundAllowList, requireHttps: config.issuer.startsWith('https://'), resolve: deps.outboundResolver });
  const hasher = deps.hasher ?? createBcryptHasher(config.bcryptCost);
  const limiterFactory = createLimiterFactory(deps.redis);
  const accounts = createAccountService({ queries: createAccountQueries(db), hasher, clock, tokens: createAccountTokenQueries(db) });
  const clientQueries = createClientQueries(db);
  // Personal data in events is encrypted per account, so erasing an account leaves the chain intact.
  const vault = createPersonalDataVault({ db, serverSecrets: config.serverSecrets, clock, networkRetentionDays: config.privacy.networkRetentionDays });
  const audit = createAuditRecorder({ queries: createEventQueries(db), clock, vault });
  const rbac = createRbacServices({
    db,
    audit,
    clock,
    directory: { findAccount: (id) => accounts.findById(id), findClient: (id) => clients.findClient(id) },
    // A change made by another process reaches the check endpoint within a second, and never later
    // than one access-token lifetime even if the generation counter were missed.
    accessOptions: { pollIntervalMs: 1000, maxAgeMs: Math.min(60, config.tokens.accessTokenTtl) * 1000 },
  });
  const clients = createClientService({ queries: clientQueries, lookupCache: rbac.generationCache((id) => clientQueries.findClientById(id)), outbound });
  const loginProtection = createLoginProtection(limiterFactory, config.rateLimits, config.serverSecrets[0]);
  const auditServices = createAuditServices({ config, db, clock, outbound, vault });
  const attributes = createAttributeService({ queries: createAttributeQueries(db), audit, onSchemaChange: deps.onSchemaChange });
  const mfa = createMfaService({ queries: createMfaQueries(db), serverSecrets: config.serverSecrets, clock, issuerName: config.product.name });
  const federationQueries = createFederationQueries(db);
  const deletionRequests = createDeletionRequestQueries(db);
  // Passkey challenges live with the interactions (Redis, or SQL in embedded mode): src/passkeys/challenges.ts.
  const passkeys = createPasskeyService({
    queries: createPasskeyQueries(db),
    challenges: createChallengeStore(createAdapterFactory({ db, redis: deps.redis, clients, clock }), clock, CEREMONY_TIMEOUT_SECONDS),
    clock,
    issuer: config.issuer,
    productName: config.product.name,
  });
  const passkeyChangeDeps: PasskeyChangeDeps = {
    passkeys,
    audit,
    findAccount: (id) => accounts.findById(id),
    linkedIdentities: async (id) => (await federationQueries.listIdentitiesOfAccount(id)).length,
  };
  /** Export sources every process has; the server adds sessions and applications. */
  const exportSources: ExportSources = {
    findAccount: (id) => accounts.findById(id),
    attributeValues: (id) => attributes.valuesOf(id),
    mfaStatus: (id) => mfa.status(id),
    linkedIdentities: (id) => federationQueries.listIdentitiesOfAccount(id),
    events: (id) => auditServices.events.export({ accountId: id }),
    secondFactors: async (id) => [
      ...(await mfa.describeFactors(id)),
      ...(await passkeys.list(id)).map((passkey) => ({
        kind: 'passkey' as const, name: passkey.name, created_at: passkey.createdAt,
        authenticator: passkey.authenticator, synced: passkey.synced, last_used_at: passkey.lastUsedAt,
      })),
    ],
    pendingDeletion: (id) => deletionRequests.findRequest(id),
  };
  const services = {
    accounts,
    attributes,
    clients,
    audit,
    hasher,
    limiterFactory,
    loginProtection,
    /** Account deletion without a protocol engine or mail (the stand-alone CLI); the server's replaces it. */
    erasure: createAccountErasure({
      queries: createErasureQueries(db), vault, audit,
      findAccount: (id) => accounts.findById(id), forgetFailures: (email) => loginProtection.reset(email),
    }),
    mfaProtection: createLoginProtection(limiterFactory, config.rateLimits, config.serverSecrets[0], 'mfa'),
    mailLimit: createMailLimit(limiterFactory, config.rateLimits),
    mfa,
    passkeys,
    passkeyChangeDeps,
    /** Passkey changes with audit events; the server's (buildContainer) also mails the person. */
    passkeyChanges: createPasskeyChanges(passkeyChangeDeps),
    ...rbac,
    keys: createKeyService({
      queries: createKeyQueries(db),
      serverSecrets: config.serverSecrets,
      clock,
      // Longest lifetime of anything a key signs: ID tokens, default access tokens, or a resource's
      // own access-token TTL (at most a day), plus clock skew.
      retentionSeconds: Math.max(config.tokens.accessTokenTtl, config.tokens.idTokenTtl, MAX_RESOURCE_TOKEN_TTL) + 300,
    }),
    outbound,
    vault,
    deletionRequests,
    exportSources,
    accountExport: createAccountExport({ sources: exportSources, clock }),
    ...auditServices,
    /** Back-channel logout deliveries, as operators inspect and resend them (the server sends them). */
    logoutDeliveries: createLogoutDeliveryLog({ queries: createLogoutDeliveryQueries(db), clock }),
    /** SCIM directories and their provisioning tokens (src/scim). */
    scimDirectories: createDirectoryService({ queries: createDirectoryQueries(db), audit, clock, findClient: (id) => clients.findClient(id) }),
    /** RFC 8693: which client may exchange people's tokens for which APIs (src/oidc/token-exchange.ts). */
    exchangePolicies: createExchangePolicyService({
      queries: createExchangePolicyQueries(db), resources: rbac.resources, audit, findClient: (id) => clients.findClient(id),
    }),
  };
  return {
    ...services,
    /** Upstream identity providers (src/federation); their client secrets are sealed at rest. */
    connections: createConnectionService({
      queries: federationQueries,
      audit,
      box: new SecretBox(config.serverSecrets, 'federation-client-secret'),
      findGroup: (id) => services.groups.requireGroup(id).catch(() => undefined),
      findClient: (id) => clients.findClient(id),
      outbound,
    }),
  };
}

export type Services = ReturnType<typeof buildServices>;

/** THEME_DIR read and every template in it compiled: a broken theme stops the start (src/http/theme.ts). */
export function loadConfiguredTheme(config: Config): Theme | undefined {
  return config.brand.themeDir ? loadTheme(config.brand.themeDir, VIEWS_DIRECTORY) : undefined;
}

/** The one wiring point: storage → queries → services → provider. */
export async function buildContainer(config: Config, options: ContainerOptions = {}) {
  // Before the database opens: a theme that does not compile is a configuration error.
  const theme = options.theme ?? loadConfiguredTheme(config);
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  // Catalogs first: a message that does not parse stops the start before anything else is opened.
  const i18n = createI18n(loadCatalogs({ operatorDirectory: config.i18n.localesDir, defaultLocale: config.i18n.defaultLocale }));
  const database = options.database ?? (await openDatabase(config, 'server', logger));
  const db = database.db;
  let redis: Redis | undefined;
  try {
    await migrateToLatest(db, { schema: config.database.schema, singleConnection: database.kind === 'pglite' });
    redis = options.redis === null ? undefined : (options.redis ?? (config.redis.url ? openRedis(config) : undefined));
    if (redis && redis.status === 'wait') await connectRedis(redis);
  } catch (error) {
    if (!options.redis) redis?.disconnect();
    if (!options.database) await database.close();
    throw error;
  }

  // The provider holder exists only once the services do; a schema change refreshes it at once.
  let providers: ProviderHolder | undefined;
  const services = buildServices({ config, db, redis, clock, hasher: options.hasher, onSchemaChange: async () => providers?.refresh(), outboundResolver: options.outboundResolver });
  const { accounts, clients, resources, access, keys } = services;
  const metrics = options.metrics ?? createMetrics();
  const unwatchStorage = watchStorage(metrics, { db, redis });
  // Logins, MFA outcomes and tokens issued are counted from their audit events, once stored.
  const audit = countAuditedOutcomes(services.audit, metrics);
  const createdKeys = await keys.ensureSigningKeys();
  const systemApis = await ensureSystemResources(resources, config.issuer);
  // Built once: /assets/brand.css serves it (app.ts) and every page links it when there is one.
  const brandCss = brandStylesheet(config.brand.colors);
  const render = createRenderer(
    {
      productName: config.product.name,
      logoUrl: config.product.logoUrl,
      faviconUrl: config.product.faviconUrl,
      supportUrl: config.product.supportUrl,
      stylesheets: [...(brandCss ? ['/assets/brand.css'] : []), ...(theme?.stylesheet ? ['/assets/theme.css'] : [])],
    },
    i18n,
    theme,
  );
  const cookieKey = await keys.sharedSecret('cookie-key');
  const apiGuard = createApiGuard({
    issuer: config.issuer,
    loadSigningKeys: async () => (await keys.loadKeySet()).jwks,
    access,
    clock,
    delegationAllowed: async (clientId) => {
      const client = await clients.findClient(clientId);
      return Boolean(client?.first_party && client.system_api_delegation);
    },
  });
  const consoleClientId = await ensureAccountConsoleClient(createClientQueries(db), config.issuer, config.product.name);
  const adminConsoleClientId = await ensureAdminConsoleClient(createClientQueries(db), config.issuer, config.product.name);
  // Back-channel logout: every session the index ends queues a logout token for its relying parties.
  const logouts = createBackchannelLogout({
    queries: createLogoutDeliveryQueries(db), clock, audit, outbound: services.outbound,
    provider: () => providers!.current(),
    findClient: (id) => clients.findClient(id),
  });
  const sessionIndex = buildSessionIndex({ config, db, clock, logger, onSessionEnded: (ended) => logouts.enqueue(ended) });

  const adapterFactory = createAdapterFactory({ db, redis, clients, clock, deviceCodeBox: new SecretBox(config.serverSecrets, 'device-codes') });
  const mfaPolicy = createMfaPolicy({ mfa: services.mfa, clients, groupsRequireMfa: access.groupsRequireMfa, groupsRequirePhishingResistant: access.groupsRequirePhishingResistant, hasPasskey: async (id) => (await services.passkeys.count(id)) > 0 });
  const pendingLogins = createPendingLogins(adapterFactory, config.tokens.interactionTtl);
  const federation = buildFederation({ ...services, db, adapterFactory, issuer: config.issuer, secureCookies: config.secureCookies, clock, logger });
  const sessionPolicy = createSessionPolicy({ config, clock, logger });
  const limitUserCodes = createUserCodeEntryLimit(services.limiterFactory, config.rateLimits, render);
  const slowDevicePolling = createDevicePollingLimit(services.limiterFactory);
  providers = await createProviderHolder({
    base: {
      config, accounts, resources, access, render, adapterFactory, mfaPolicy,
      locales: i18n.locales,
      attributes: services.attributes,
      loginChecks: sessionPolicy.checks(),
      sessionTtl: sessionPolicy.ttl,
      outboundFetch: services.outbound.fetch,
      dpopNonceSecret: dpopNonceSecret(config.serverSecrets[0]),
    },
    loadClaimsMapping: () => services.attributes.claimsMapping(),
    keys,
    audit,
    logger,
    limitTokens: createTokenEndpointLimit(services.limiterFactory, config.rateLimits),
    tokenExchange: {
      verifier: createSubjectTokenVerifier({ issuer: config.issuer, loadSigningKeys: async () => (await keys.loadKeySet()).jwks, clock }),
      policies: services.exchangePolicies,
      resources,
      access,
      findAccount: async (id) => (isUuid(id) ? accounts.findById(id) : undefined),
      liveGrants: (provider, accountId) => sessionIndex.listGrants(provider, accountId),
      clock,
      signingAlg: config.tokens.accessTokenAlg,
      defaultTtl: config.tokens.accessTokenTtl,
    },
    configure: (provider) => {
      sessionPolicy.install(provider);
      sessionIndex.track(provider);
      installQueuedBackchannelLogout(provider, logouts);
      limitUserCodes(provider);
      slowDevicePolling(provider);
      installDevicePageGuards(provider, { audit, render });
    },
  });
  const providerHolder: ProviderHolder = providers;
  const lifecycle = buildAccountLifecycle({
    theme,
    config,
    i18n,
    db,
    clock,
    logger,
    ...services,
    sessionIndex,
    provider: () => providerHolder.current(),
    consoleClientId,
    hasSecondFactor: (account) => services.mfa.hasFactor(account.id),
    passwordlessReadiness: async (accountId) => ({ passkeys: await services.passkeys.count(accountId), recoveryCodes: (await services.mfa.status(accountId)).recoveryCodesRemaining }),
    keyWorkForNoAccount: () => services.vault.standInForNoAccount(),
    removeUnprovenSignIns: async (account, origin) => ({
      providers: await federation.broker.removeAllIdentities(account.id, { origin, reason: 'address_first_proven_by_reset' }),
      // Passkeys added before the address was proven go too: whoever added them may not be its owner.
      secondFactor: [await services.mfa.removeAll(account.id), (await services.passkeys.removeAll(account.id)) > 0].some(Boolean),
    }),
  });

  const erasure = createAccountErasure({
    queries: createErasureQueries(db), vault: services.vault, audit, mailer: lifecycle.mailer,
    findAccount: (id) => accounts.findById(id), forgetFailures: (email) => services.loginProtection.reset(email),
    // Back-channel logout: each session's relying parties are sent a logout token (with its sid) as
    // the session ends; an application with access but no live session is sent one naming the account.
    endEverything: async (accountId) => {
      const provider = providerHolder.current();
      const signedIn = new Set((await sessionIndex.listSessions(provider, accountId)).flatMap((session) => session.clientIds));
      const sessions = await sessionIndex.revokeSessions(provider, accountId, undefined, 'account_deleted');
      const grants = await sessionIndex.listGrants(provider, accountId);
      const notified = new Set<string>();
      for (const grant of grants) {
        const notify = !signedIn.has(grant.clientId) && !notified.has(grant.clientId);
        notified.add(grant.clientId);
        await sessionIndex.revokeGrant(provider, accountId, grant.grantId, notify ? 'account_deleted' : undefined);
      }
      // Tokens of grants the index no longer lists (expired index rows, refresh tokens) end too.
      await sessionIndex.revokeTokens(provider, accountId);
      return { sessions, grants: grants.length };
    },
  });

  // "Delete my account" (src/privacy/self-deletion.ts): the same erasure, or a grace period first.
  const selfDeletion = createSelfDeletion({
    erasure,
    requests: services.deletionRequests,
    confirmPassword: createPasswordConfirmation({ hasher: services.hasher, loginProtection: services.loginProtection, accounts, audit }),
    mfa: services.mfa,
    mfaProtection: services.mfaProtection,
    endEverything: (accountId) => erasure.endEverything(accountId),
    audit,
    mailer: lifecycle.mailer,
    clock,
    logger,
    graceDays: config.privacy.deletionGraceDays,
    links: accountLinks(config.issuer),
    hasPasskey: async (accountId) => (await services.passkeys.count(accountId)) > 0,
    recentLoginSeconds: config.recentLoginSeconds,
  });
  const retention = createRetention({
    settings: config.privacy,
    expireNetworkFields: () => services.vault.expireNetworkFields(),
    purgeFinishedMail: (before) => createOutboxQueries(db).purgeFinished(before),
    outboxDir: config.mail.smtpUrl ? undefined : config.mail.outboxDir,
    inactivity: createInactivityQueries(db),
    erasure,
    mailer: lifecycle.mailer,
    audit,
    clock,
    logger,
    signInUrl: accountLinks(config.issuer).signIn,
  });
  /** Every successful sign-in (interactions/steps.ts): it cancels a scheduled deletion and restarts the inactivity count. */
  const accountSignIns = {
    async signedIn(accountId: string, origin: RequestOrigin): Promise<void> {
      const account = await accounts.findById(accountId);
      if (!account) return;
      await selfDeletion.cancelOnSignIn(account, origin);
      await retention.signedIn(account.id);
    },
  };

  const scim = buildScim({
    config, db, clock, logger, audit,
    directories: services.scimDirectories,
    sessionIndex,
    provider: () => providerHolder.current(),
    invite: lifecycle.operatorLinks.mailInvitation,
    invalidateAccess: () => access.invalidate(),
    eraseAccount: (accountId, actor) => erasure.eraseAccount(accountId, actor),
  });

  let purgeTimer: NodeJS.Timeout | undefined;
  const auditTrail = createAuditBackground({
    events: services.events,
    webhooks: services.webhooks,
    logouts,
    audit,
    clock,
    logger,
    retentionDays: config.audit.retentionDays,
    options: options.auditBackground,
  });

  logouts.onQueued(() => auditTrail.nudge());

  return {
    config,
    logger,
    clock,
    db,
    databaseKind: database.kind,
    redis,
    ...services,
    audit,
    metrics,
    mfaPolicy,
    pendingLogins,
    federation,
    systemApis,
    apiGuard,
    createdKeys,
    render,
    i18n,
    /** THEME_DIR's templates and stylesheet, when set. */
    theme,
    /** /assets/brand.css from the BRAND_* colours; undefined when none is set. */
    brandStylesheet: brandCss,
    cookieKey,
    sessionPolicy,
    providers: providerHolder,
    events: services.events,
    webhooks: services.webhooks,
    auditTrail,
    /** Queued back-channel logout tokens (src/oidc/backchannel-logout.ts). */
    logouts,
    sessionIndex,
    consoleClientId,
    adminConsoleClientId,
    scim,
    ...lifecycle,
    passkeyChanges: createPasskeyChanges({
      ...services.passkeyChangeDeps,
      notify: async (account, change) => {
        const links = accountLinks(config.issuer);
        await lifecycle.mailer.send(account.email, 'passkey-changed', { ...change, accountUrl: links.account, resetUrl: links.forgot });
      },
    }),
    accountExport: createAccountExport({
      clock,
      sources: {
        ...services.exportSources,
        sessions: (accountId) => sessionIndex.listSessions(providerHolder.current(), accountId),
        grants: (accountId) => sessionIndex.listGrants(providerHolder.current(), accountId),
      },
    }),
    erasure,
    selfDeletion,
    accountSignIns,
    retention,
    probe: () => probeDependencies({ db, redis, timeoutMs: Math.min(config.database.statementTimeoutMs, 2000) }),
    /** The effective configuration, secrets masked, for the admin API and the console. */
    shownSettings: () => shownSettings(config),
    /** At start-up (main.ts): `config.loaded` the first time, then `config.changed` when settings differ. */
    recordConfigChanges: (settings: Record<string, EffectiveSetting>) =>
      recordConfigChanges({ queries: createConfigStateQueries(db), audit, clock, serverSecrets: config.serverSecrets }, settings),
    /** Background upkeep: key-change watch and removal of expired SQL-stored protocol records. */
    startBackgroundTasks() {
      providerHolder.startKeyWatch(config.keyRefreshIntervalMs);
      lifecycle.mailWorker.start();
      logger.info({ mail: lifecycle.mailTransport.description }, `mail: ${lifecycle.mailTransport.description}`);
      purgeTimer = setInterval(() => {
        purgeExpiredModels(db, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'could not purge expired records'));
        sessionIndex.purgeExpired().catch((error: unknown) => logger.warn({ err: error }, 'could not purge the session index'));
        retention.run().catch((error: unknown) => logger.warn({ err: error }, 'could not apply the retention settings'));
        selfDeletion.eraseDue().catch((error: unknown) => logger.warn({ err: error }, 'could not erase accounts whose deletion grace period ended'));
        lifecycle.accountTokens.purgeExpired(new Date(clock.now().getTime() - 7 * 86_400_000)).catch((error: unknown) => logger.warn({ err: error }, 'could not purge expired account links'));
      }, 10 * 60_000);
      purgeTimer.unref();
      auditTrail.start();
    },
    async close() {
      providerHolder.stop();
      await lifecycle.mailWorker.stop();
      unwatchStorage();
      if (purgeTimer) clearInterval(purgeTimer);
      // Webhook and seal work in flight finishes, queued events are written, the head is sealed.
      await auditTrail.stop();
      await services.outbound.close();
      if (redis && !options.redis) await redis.quit().catch(() => redis?.disconnect());
      if (!options.database) await database.close();
    },
  };
}

export type Container = Awaited<ReturnType<typeof buildContainer>>;
