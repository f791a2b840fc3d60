import { createClient, deleteClient, listClients } from './client.js';
import type { Command } from './context.js';
import { exportEvents, listEvents, pruneEvents, tailEvents, verifyEvents } from './events.js';
import { rotateKeys } from './keys.js';
import { migrate } from './migrate.js';
import { createResource, listResources } from './resource.js';
import { createUser, disableUser } from './user.js';
import { createWebhook, deleteWebhook, listWebhooks } from './webhook.js';

/** Every `idp` verb, by its words on the command line. */
export const COMMANDS: Record<string, Command> = {
  migrate,
  'client create': createClient,
  'client list': listClients,
  'client delete': deleteClient,
  'user create': createUser,
  'user disable': disableUser,
  'keys rotate': rotateKeys,
  'resource create': createResource,
  'resource list': listResources,
  'events list': listEvents,
  'events export': exportEvents,
  'events tail': tailEvents,
  'events verify': verifyEvents,
  'events prune': pruneEvents,
  'webhook create': createWebhook,
  'webhook list': listWebhooks,
  'webhook delete': deleteWebhook,
};

export const USAGE = `Usage: idp <command> [options] [--json]

  migrate                                   apply pending database migrations
  client create --name N --type web|spa|native|machine [--redirect-uri U]... [--post-logout-redirect-uri U]... [--scope S] [--first-party]
  client list
  client delete CLIENT_ID
  user create --email E [--name N] [--password-stdin] [--verified]
  user disable EMAIL
  keys rotate                               add new signing keys; old ones keep verifying until their tokens expire
  resource create --identifier URI [--name N] [--scope S]... [--token-ttl SECONDS] [--opaque]
  resource list
  events list [FILTERS] [--limit N] [--order asc|desc] [--cursor C]
                                            one page of the audit log, newest first
  events export [FILTERS] [--after-id ID] [--limit N]
                                            matching events as NDJSON on stdout, oldest first
  events tail [FILTERS] [--lines N] [--interval-ms MS] [--json]
                                            the last N events, then new ones as they happen (Ctrl-C stops)
  events verify                             check the hash chain and signed checkpoints; exit 1 at a broken link
  events prune [--older-than-days D]        remove old events behind a signed checkpoint (default AUDIT_RETENTION_DAYS)
  webhook create --url U --event TYPE... [--description D]
                                            POST matching events, signed, to U (TYPE: login.failed, login.*, *)
  webhook list
  webhook delete WEBHOOK_ID

  FILTERS: --type T (repeatable, or comma-separated; login.* for a category) --account ID --client ID
           --actor ID --outcome success|failure --ip IP --from TIME --to TIME (RFC 3339)

--json prints machine-readable output. The CLI reads the same environment as the server
(DATABASE_URL, DATA_DIR, SERVER_SECRET, ...). In embedded mode, while the server runs, commands
go through the server's local control socket in the data folder.`;

/** Splits argv into the command's words and its own arguments. */
export function resolveCommand(argv: string[]): { name: string; command: Command; args: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    if (COMMANDS[name]) return { name, command: COMMANDS[name], args: argv.slice(words) };
  }
  return undefined;
}
