import type { Redis } from 'ioredis';
import { createBcryptHasher, type PasswordHasher } from './accounts/password-hasher.js';
import { createAccountQueries } from './accounts/queries.js';
import { createAccountService } from './accounts/service.js';
import { createEventQueries } from './audit/queries.js';
import { createAuditRecorder } from './audit/recorder.js';
import { createAuditBackground, type AuditBackgroundOptions } from './audit/background.js';
import { createAuditServices } from './audit/services.js';
import { createClientQueries } from './clients/queries.js';
import { createClientService } from './clients/service.js';
import type { Config } from './config/load.js';
import { createRenderer } from './http/views.js';
import { createKeyQueries } from './keys/queries.js';
import { createKeyService } from './keys/service.js';
import { createAdapterFactory } from './oidc/adapters/factory.js';
import { purgeExpiredModels } from './oidc/adapters/sql-adapter.js';
import { createProviderHolder, type ProviderHolder } from './oidc/provider.js';
import { createResourceQueries } from './rbac/queries.js';
import { createResourceService } from './rbac/resource-service.js';
import { openDatabase, type Database } from './storage/database.js';
import { probeDependencies } from './storage/health.js';
import { migrateToLatest } from './storage/migrate.js';
import { connectRedis, openRedis } from './storage/redis.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createLogger, type Logger } from './shared/logger.js';

export interface ContainerOptions {
  /** An already open database (tests hand in one per worker); otherwise opened from config. */
  database?: Database;
  /** An already connected Redis, or null to force the SQL store even when REDIS_URL is set. */
  redis?: Redis | null;
  clock?: Clock;
  logger?: Logger;
  hasher?: PasswordHasher;
  /** Webhook polling and chain maintenance intervals (tests shorten them). */
  auditBackground?: AuditBackgroundOptions;
}

/** Queries and services over an open database: all the CLI needs, and the base of the server. */
export function buildServices(deps: { config: Config; db: Database['db']; clock: Clock; hasher?: PasswordHasher }) {
  const { config, db, clock } = deps;
  const hasher = deps.hasher ?? createBcryptHasher(config.bcryptCost);
  return {
    accounts: createAccountService({ queries: createAccountQueries(db), hasher, clock }),
    clients: createClientService({ queries: createClientQueries(db) }),
    resources: createResourceService({ queries: createResourceQueries(db) }),
    audit: createAuditRecorder({ queries: createEventQueries(db), clock }),
    keys: createKeyService({
      queries: createKeyQueries(db),
      serverSecrets: config.serverSecrets,
      clock,
      retentionSeconds: Math.max(config.tokens.accessTokenTtl, config.tokens.idTokenTtl) + 300,
    }),
    ...createAuditServices({ config, db, clock }),
  };
}

export type Services = ReturnType<typeof buildServices>;

/** The one wiring point: storage → queries → services → provider. */
export async function buildContainer(config: Config, options: ContainerOptions = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const database = options.database ?? (await openDatabase(config));
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

  const services = buildServices({ config, db, clock, hasher: options.hasher });
  const { accounts, clients, resources, audit, keys } = services;
  const createdKeys = await keys.ensureSigningKeys();
  const render = createRenderer({ productName: config.product.name, logoUrl: config.product.logoUrl });
  const cookieKey = await keys.sharedSecret('cookie-key');

  const providers: ProviderHolder = await createProviderHolder({
    base: {
      config,
      accounts,
      resources,
      render,
      adapterFactory: createAdapterFactory({ db, redis, clients, clock }),
    },
    keys,
    audit,
    logger,
    trustProxy: config.trustProxy,
  });

  let purgeTimer: NodeJS.Timeout | undefined;
  const auditTrail = createAuditBackground({
    events: services.events,
    webhooks: services.webhooks,
    audit,
    clock,
    logger,
    retentionDays: config.audit.retentionDays,
    options: options.auditBackground,
  });

  return {
    config,
    logger,
    clock,
    db,
    databaseKind: database.kind,
    redis,
    accounts,
    clients,
    resources,
    audit,
    keys,
    createdKeys,
    render,
    cookieKey,
    providers,
    events: services.events,
    webhooks: services.webhooks,
    auditTrail,
    probe: () => probeDependencies({ db, redis, timeoutMs: Math.min(config.database.statementTimeoutMs, 2000) }),
    /** Background upkeep: key-change watch and removal of expired SQL-stored protocol records. */
    startBackgroundTasks() {
      providers.startKeyWatch(config.keyRefreshIntervalMs);
      purgeTimer = setInterval(() => {
        purgeExpiredModels(db, clock.now()).catch((error: unknown) => logger.warn({ err: error }, 'could not purge expired records'));
      }, 10 * 60_000);
      purgeTimer.unref();
      auditTrail.start();
    },
    async close() {
      providers.stop();
      if (purgeTimer) clearInterval(purgeTimer);
      // Webhook and seal work in flight finishes, queued events are written, the head is sealed.
      await auditTrail.stop();
      if (redis && !options.redis) await redis.quit().catch(() => redis?.disconnect());
      if (!options.database) await database.close();
    },
  };
}

export type Container = Awaited<ReturnType<typeof buildContainer>>;
