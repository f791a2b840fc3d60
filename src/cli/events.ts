import { parseArgs, type ParseArgsConfig } from 'node:util';
import { eventFilterSchema, toEventFilter } from '../audit/filter.js';
import { formatEventLine } from '../audit/format.js';
import type { EventFilter, StoredEvent } from '../audit/queries.js';
import { toNdjsonLine } from '../audit/sanitize.js';
import { AppError } from '../errors/app-error.js';
import { parseInput } from '../http/validate.js';
import type { Command } from './context.js';
import { UsageError } from './context.js';

const FILTER_OPTIONS = {
  type: { type: 'string', multiple: true },
  account: { type: 'string' },
  client: { type: 'string' },
  actor: { type: 'string' },
  outcome: { type: 'string' },
  ip: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const MAX_EXPORT_PAGE = 5000;

/** Parses the shared filter options plus a command's own; the filter is validated like the admin API's. */
export function parseEventArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], own: T) {
  const { values } = parseArgs({ args, options: { ...FILTER_OPTIONS, ...own }, strict: true });
  const all = values as Record<string, string | string[] | boolean | undefined>;
  const filter: EventFilter = toEventFilter(parseInput(eventFilterSchema, Object.fromEntries(Object.keys(FILTER_OPTIONS).map((key) => [key, all[key]]))));
  return { filter, values: all };
}

export function positiveInteger(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
  return number;
}

export function eventId(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,19}$/.test(value)) throw new UsageError(`--${name} must be an event id`);
  return value;
}

export const listEvents: Command = async (context, { args }) => {
  const { filter, values } = parseEventArgs(args, { limit: { type: 'string' }, order: { type: 'string' }, cursor: { type: 'string' } });
  const order = values.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new UsageError('--order must be asc or desc');
  const page = await context.events.list(filter, { limit: positiveInteger(values.limit, 'limit', 500) ?? 20, order, cursor: values.cursor as string | undefined });
  const lines = page.items.map(formatEventLine);
  if (page.next_cursor) lines.push(`(more: --cursor ${page.next_cursor})`);
  return { data: page, text: lines.length ? lines.join('\n') : 'No matching events.' };
};

/**
 * One page of the NDJSON export. The `idp` command itself streams `events export` page by page (see
 * events-stream.ts); this form is what it asks a running embedded server for each page.
 */
export const exportEvents: Command = async (context, { args }) => {
  const { filter, values } = parseEventArgs(args, { 'after-id': { type: 'string' }, limit: { type: 'string' } });
  const items: StoredEvent[] = [];
  const limit = positiveInteger(values.limit, 'limit', MAX_EXPORT_PAGE) ?? MAX_EXPORT_PAGE;
  for await (const event of context.events.export(filter, { afterId: eventId(values['after-id'], 'after-id'), limit })) items.push(event);
  return { data: items, text: items.map(toNdjsonLine).join('').replace(/\n$/, '') };
};

export const verifyEvents: Command = async (context) => {
  const report = await context.events.verify();
  if (!report.ok) {
    const where = report.broken?.eventId ? `event ${report.broken.eventId}` : `checkpoint ${report.broken?.checkpointId}`;
    throw new AppError('AUDIT_CHAIN_BROKEN', 409, `the event chain is broken at ${where}: ${report.broken?.reason} (${report.checked} events verified before it)`, {
      details: { ...report },
    });
  }
  const lines = [`The event chain verifies: ${report.checked} events checked.`];
  if (report.head) lines.push(`Head: event ${report.head.id}, hash ${report.head.hash}`);
  if (report.unchained) lines.push(`${report.unchained} older events predate the chain and are not covered.`);
  lines.push(`Checkpoints: ${report.checkpoints.prune} prune, ${report.checkpoints.seal} seal.`);
  return { data: report, text: lines.join('\n') };
};

export const pruneEvents: Command = async (context, { args }) => {
  const { values } = parseArgs({ args, options: { 'older-than-days': { type: 'string' } }, strict: true });
  const days = positiveInteger(values['older-than-days'], 'older-than-days', 36_500) ?? context.config.audit.retentionDays;
  if (!days) throw new UsageError('events prune needs --older-than-days, or AUDIT_RETENTION_DAYS in the environment');
  const checkpoint = await context.events.prune(new Date(Date.now() - days * 86_400_000));
  if (!checkpoint) return { data: { pruned: 0 }, text: `No events older than ${days} days.` };
  await context.audit.record({
    type: 'audit.pruned',
    actor: { type: 'system', id: 'cli' },
    detail: { throughId: checkpoint.throughId, eventsRemoved: checkpoint.eventsRemoved, retentionDays: days },
  });
  return {
    data: { pruned: Number(checkpoint.eventsRemoved), through_id: checkpoint.throughId, through_hash: checkpoint.throughHash },
    text: `Removed ${checkpoint.eventsRemoved} events (through id ${checkpoint.throughId}); a signed checkpoint keeps the rest verifiable.`,
  };
};

export const tailEvents: Command = async () => {
  throw new UsageError('events tail runs in the idp command itself, not through another process');
};
