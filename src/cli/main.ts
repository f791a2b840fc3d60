import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/load.js';
import type { RedisClient as Redis } from '../storage/redis.js';
import { buildServices } from '../container.js';
import { connectRedis, openRedis } from '../storage/redis.js';
import { openDatabase } from '../storage/database.js';
import { DataDirBusyError } from '../storage/data-dir-lock.js';
import { migrateToLatest } from '../storage/migrate.js';
import { systemClock } from '../shared/clock.js';
import { resolveCommand, USAGE } from './commands.js';
import { CONTROL_SOCKET_NAME } from './control-socket.js';
import { isStreamingCommand, runStreamingCommand } from './events-stream.js';
import { runRemote } from './remote.js';
import { runCommand, type CommandResult } from './run.js';

/** The `idp` command. */
async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  let config: Config;
  try {
    ({ config } = loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (!resolveCommand(argv.filter((arg) => arg !== '--json'))) {
    process.stderr.write(`Unknown command.\n\n${USAGE}\n`);
    return 2;
  }
  const stdin = argv.includes('--password-stdin') || argv.includes('--client-secret-stdin') ? await readStdin() : undefined;
  if (isStreamingCommand(argv)) return runStreamingCommand(config, argv);
  const result = await execute(config, argv, stdin);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exitCode;
}

async function execute(config: Config, argv: string[], stdin?: string): Promise<CommandResult> {
  let database;
  try {
    database = await openDatabase(config, 'cli');
  } catch (error) {
    // Embedded mode with the server running: PGlite is the server's, so ask the server.
    const socket = join(config.dataDir, CONTROL_SOCKET_NAME);
    if (error instanceof DataDirBusyError && error.holderRole === 'server' && existsSync(socket)) return runRemote(socket, argv, stdin);
    if (error instanceof DataDirBusyError) {
      return { exitCode: 1, stdout: '', stderr: `Error: ${error.message}; try again when it has finished.\n` };
    }
    throw error;
  }
  let redis: Redis | undefined;
  try {
    // Every other command can be the first thing run on a new database, so it brings the schema up to date first.
    if (argv[0] !== 'migrate') {
      await migrateToLatest(database.db, { schema: config.database.schema, singleConnection: database.kind === 'pglite' });
    }
    // Redis holds the shared rate-limit counters that an unlock clears.
    redis = config.redis.url ? openRedis(config) : undefined;
    if (redis) await connectRedis(redis);
    const services = buildServices({ config, db: database.db, redis, clock: systemClock });
    return await runCommand({ ...services, config, db: database.db, databaseKind: database.kind }, argv, stdin);
  } finally {
    redis?.disconnect();
    await database.close();
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Error: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
