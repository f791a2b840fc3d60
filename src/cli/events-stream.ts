import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatEventLine } from '../audit/format.js';
import type { EventFilter, StoredEvent } from '../audit/queries.js';
import { toNdjsonLine } from '../audit/sanitize.js';
import type { Config } from '../config/load.js';
import { buildServices } from '../container.js';
import { normalizeError } from '../errors/problem.js';
import { systemClock } from '../shared/clock.js';
import { openDatabase } from '../storage/database.js';
import { DataDirBusyError } from '../storage/data-dir-lock.js';
import { migrateToLatest } from '../storage/migrate.js';
import { UsageError } from './context.js';
import { CONTROL_SOCKET_NAME } from './control-socket.js';
import { eventId, parseEventArgs, positiveInteger } from './events.js';
import { runRemote } from './remote.js';

const PAGE = 1000;

/** Where events are read from: the database directly, or a running embedded server's control socket. */
interface EventSource {
  after(afterId: string | undefined, limit: number): Promise<StoredEvent[]>;
  newest(count: number): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

/** `events export` and `events tail` write as they read, so they run here rather than as one-shot commands. */
export function isStreamingCommand(argv: string[]): boolean {
  return argv[0] === 'events' && (argv[1] === 'export' || argv[1] === 'tail');
}

/**
 * Runs `idp events export` (every matching event as NDJSON, oldest first) or `idp events tail`
 * (the last few, then new ones as they are written, until SIGINT or SIGTERM). Returns the exit code.
 */
export async function runStreamingCommand(config: Config, argv: string[]): Promise<number> {
  const tail = argv[1] === 'tail';
  const args = argv.slice(2).filter((arg) => arg !== '--json');
  let options;
  try {
    options = parseOptions(args, tail);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.on('error', onSignal); // a closed pipe (| head) ends the stream quietly
  const json = !tail || argv.includes('--json');
  const write = (event: StoredEvent) => process.stdout.write(json ? toNdjsonLine(event) : `${formatEventLine(event)}\n`);

  let source: EventSource | undefined;
  try {
    source = await openSource(config, options.filter, args);
    if (tail) await follow(source, options, write, stop.signal);
    else await exportAll(source, options, write, stop.signal);
    return 0;
  } catch (error) {
    if (stop.signal.aborted) return 0;
    const normalized = normalizeError(error);
    process.stderr.write(`Error: ${normalized.status >= 500 ? (error as Error).message : normalized.message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await source?.close();
  }
}

interface StreamOptions {
  filter: EventFilter;
  afterId?: string;
  limit?: number;
  backlog: number;
  intervalMs: number;
}

function parseOptions(args: string[], tail: boolean): StreamOptions {
  const { filter, values } = parseEventArgs(args, {
    'after-id': { type: 'string' },
    limit: { type: 'string' },
    lines: { type: 'string' },
    'interval-ms': { type: 'string' },
  });
  if (!tail && (values.lines !== undefined || values['interval-ms'] !== undefined)) throw new UsageError('--lines and --interval-ms are for events tail');
  return {
    filter,
    afterId: eventId(values['after-id'], 'after-id'),
    limit: positiveInteger(values.limit, 'limit', Number.MAX_SAFE_INTEGER),
    backlog: values.lines === '0' ? 0 : (positiveInteger(values.lines, 'lines', 500) ?? 10),
    intervalMs: positiveInteger(values['interval-ms'], 'interval-ms', 60_000) ?? 1000,
  };
}

async function exportAll(source: EventSource, options: StreamOptions, write: (event: StoredEvent) => void, signal: AbortSignal) {
  let afterId = options.afterId;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  while (remaining > 0 && !signal.aborted) {
    const page = await source.after(afterId, Math.min(PAGE, remaining));
    for (const event of page) write(event);
    if (page.length < Math.min(PAGE, remaining)) return;
    remaining -= page.length;
    afterId = page.at(-1)!.id;
  }
}

async function follow(source: EventSource, options: StreamOptions, write: (event: StoredEvent) => void, signal: AbortSignal) {
  let afterId = options.afterId;
  if (afterId === undefined) {
    const newest = options.backlog > 0 ? await source.newest(options.backlog) : [];
    for (const event of newest) write(event);
    afterId = newest.at(-1)?.id ?? (await source.newest(1)).at(-1)?.id ?? '0';
  }
  while (!signal.aborted) {
    const page = await source.after(afterId, PAGE);
    for (const event of page) write(event);
    if (page.length) afterId = page.at(-1)!.id;
    if (page.length < PAGE) await sleep(options.intervalMs, undefined, { signal }).catch(() => undefined);
  }
}

async function openSource(config: Config, filter: EventFilter, filterArgs: string[]): Promise<EventSource> {
  let database;
  try {
    database = await openDatabase(config, 'cli');
  } catch (error) {
    const socket = join(config.dataDir, CONTROL_SOCKET_NAME);
    if (error instanceof DataDirBusyError && error.holderRole === 'server' && existsSync(socket)) return remoteSource(socket, filterArgs);
    if (error instanceof DataDirBusyError) throw new Error(`${error.message}; try again when it has finished`);
    throw error;
  }
  try {
    await migrateToLatest(database.db, { schema: config.database.schema, singleConnection: database.kind === 'pglite' });
  } catch (error) {
    await database.close();
    throw error;
  }
  const { events } = buildServices({ config, db: database.db, clock: systemClock });
  return {
    async after(afterId, limit) {
      const page: StoredEvent[] = [];
      for await (const event of events.export(filter, { afterId, limit })) page.push(event);
      return page;
    },
    newest: async (count) => (await events.list(filter, { limit: count, order: 'desc' })).items.reverse(),
    close: () => database.close(),
  };
}

/** Pages through a running embedded server, whose process alone may open the database. */
function remoteSource(socket: string, args: string[]): EventSource {
  const filterArgs = stripPaging(args);
  const ask = async (argv: string[]) => {
    const result = await runRemote(socket, [...argv, ...filterArgs, '--json']);
    if (result.exitCode !== 0) throw new Error(result.stderr.trim().replace(/^Error: /, '') || 'the server refused the command');
    return JSON.parse(result.stdout) as unknown;
  };
  return {
    after: async (afterId, limit) => (await ask(['events', 'export', '--limit', String(limit), ...(afterId ? ['--after-id', afterId] : [])])) as StoredEvent[],
    newest: async (count) => ((await ask(['events', 'list', '--limit', String(count)])) as { items: StoredEvent[] }).items.reverse(),
    close: async () => undefined,
  };
}

/** The filter options alone: paging is this side's business. */
function stripPaging(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    if (['--after-id', '--limit', '--lines', '--interval-ms'].includes(args[i])) i += 1;
    else if (!/^--(after-id|limit|lines|interval-ms)=/.test(args[i])) out.push(args[i]);
  }
  return out;
}
