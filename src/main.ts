import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapFirstAdmin } from './accounts/bootstrap.js';
import { giveFirstAdministratorTheRole } from './admin/bootstrap.js';
import { startControlSocket } from './cli/control-socket.js';
import { ConfigError, describeStorage, loadConfig, type Config } from './config/load.js';
import { effectiveSettings } from './config/settings.js';
import { buildContainer, loadConfiguredTheme, type Container } from './container.js';
import { bindListener, boundPort, startHttpServer, startMetricsServer } from './server.js';
import { asyncStdout, createLogger, type Logger } from './shared/logger.js';

/** Process entry: config → container → app → listen; SIGTERM drains. */
async function main(): Promise<void> {
  let loaded;
  let theme;
  try {
    loaded = loadConfig();
    // THEME_DIR's templates are compiled now: a broken one is reported here, not at someone's first visit.
    theme = loadConfiguredTheme(loaded.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { warnings } = loaded;
  // PORT=0: the system picks a free port, bound before the app is built so that, without ISSUER, the
  // issuer names the port it picked (nobody knows the port before the "listening" line, so nothing
  // connects early). Any other port is bound once the app is ready, as before.
  const early = loaded.config.port === 0 ? await bindListener(0, loaded.config.host) : undefined;
  const config = early && !process.env.ISSUER ? loadConfig({ ...process.env, PORT: String(boundPort(early)) }).config : loaded.config;
  const logger = createLogger(config.logLevel, asyncStdout());
  for (const warning of warnings) logger.warn(warning);
  logger.info({ storage: describeStorage(config) }, `storage: ${describeStorage(config)}`);

  const container = await buildContainer(config, { logger, theme });
  if (container.createdKeys.length) logger.info({ kids: container.createdKeys }, 'created signing keys');
  const admin = await bootstrapFirstAdmin(container.accounts, config.bootstrapAdmin);
  // The first administrator may use the admin console at once (docs/console.md).
  if (admin) await giveFirstAdministratorTheRole(container, config.issuer, admin.id, { type: 'system', id: 'startup' });
  await recordStartupChanges(container, admin);
  const http = await startHttpServer(container, early ? { listening: early } : { port: config.port, host: config.host });
  const metrics = config.metrics ? await startMetricsServer(container.metrics, config.metrics) : undefined;
  if (metrics) logger.info({ port: metrics.port, host: config.metrics!.host }, 'metrics served at /metrics on their own port');
  const control = container.databaseKind === 'pglite' ? await startControlSocket(container) : undefined;
  container.startBackgroundTasks();

  if (admin) announceAdmin(admin, config, logger);
  logger.info({ issuer: config.issuer, port: http.port }, `identity provider listening on ${config.issuer}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal: the operator (or a test) does not want to wait out SHUTDOWN_DRAIN_DELAY_MS.
      logger.info({ signal }, 'second signal: ending the drain delay');
      http.endDrainDelay();
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const hardStop = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownDrainDelayMs + config.shutdownTimeoutMs + 5000);
    hardStop.unref();
    await http.drain();
    await control?.close();
    await metrics?.close();
    await container.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * What the first start created is in the audit log like any other change, and so is the configuration:
 * all of it the first time, then what differs from the previous start (secrets masked).
 */
async function recordStartupChanges(container: Container, admin: { id: string } | undefined): Promise<void> {
  const actor = { type: 'system' as const, id: 'startup' };
  if (container.createdKeys.length) await container.audit.record({ type: 'keys.created', actor, detail: { kids: container.createdKeys } });
  if (admin) await container.audit.record({ type: 'account.created', actor, accountId: admin.id, detail: { via: 'bootstrap' } });
  const config = await container.recordConfigChanges(effectiveSettings(process.env, container.config));
  if (config?.type === 'config.loaded') container.logger.info('configuration recorded in the audit log (config.loaded)');
  if (config?.type === 'config.changed') {
    container.logger.info({ changed: config.changed, notCompared: config.notCompared }, `configuration changed since the last start: ${config.changed.join(', ')}`);
  }
}

/**
 * Tells the operator how to sign in the first time. A generated password is shown only on an
 * interactive terminal; otherwise (containers, log collectors) it goes to a file readable by the
 * owner alone, so it never lands in log storage.
 */
function announceAdmin(admin: { email: string; generatedPassword?: string }, config: Config, logger: Logger): void {
  let passwordLine = '    password: the ADMIN_PASSWORD you set';
  if (admin.generatedPassword && process.stdout.isTTY) {
    passwordLine = `    password: ${admin.generatedPassword}   (shown once; set ADMIN_EMAIL/ADMIN_PASSWORD before the first start to choose your own)`;
  } else if (admin.generatedPassword) {
    const path = join(config.dataDir, 'initial-admin-password');
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${admin.generatedPassword}\n`, { mode: 0o600 });
    passwordLine = `    password: in ${path} (readable by this user only)`;
  }
  logger.info({ email: admin.email }, 'created the first administrator account');
  const lines = [
    '',
    '  First start: an administrator account was created.',
    `    email:    ${admin.email}`,
    passwordLine,
    `  Admin console:      ${config.issuer}/admin   (this account holds the idp-admin role; it sets up a second factor at the first sign-in)`,
    '  Register a client:  npx idp client create --name "My app" --type web --redirect-uri http://localhost:8080/callback',
    `  Discovery:          ${config.issuer}/.well-known/openid-configuration`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
