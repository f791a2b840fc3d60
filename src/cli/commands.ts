import { createClient, deleteClient, listClients } from './client.js';
import type { Command } from './context.js';
import { rotateKeys } from './keys.js';
import { migrate } from './migrate.js';
import { createResource, listResources } from './resource.js';
import { createUser, disableUser, listLockedUsers, unlockUser } from './user.js';

/** Every `idp` verb, by its words on the command line. */
export const COMMANDS: Record<string, Command> = {
  migrate,
  'client create': createClient,
  'client list': listClients,
  'client delete': deleteClient,
  'user create': createUser,
  'user disable': disableUser,
  'user unlock': unlockUser,
  'user locked': listLockedUsers,
  'keys rotate': rotateKeys,
  'resource create': createResource,
  'resource list': listResources,
};

export const USAGE = `Usage: idp <command> [options] [--json]

  migrate                                   apply pending database migrations
  client create --name N --type web|spa|native|machine [--redirect-uri U]... [--post-logout-redirect-uri U]... [--scope S] [--first-party] [--require-verified-email]
  client list
  client delete CLIENT_ID
  user create --email E [--name N] [--password-stdin] [--verified]
  user disable EMAIL
  user unlock EMAIL                         unlock an account locked by failed sign-ins
  user locked                               list locked accounts
  keys rotate                               add new signing keys; old ones keep verifying until their tokens expire
  resource create --identifier URI [--name N] [--scope S]... [--token-ttl SECONDS] [--opaque]
  resource list

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
