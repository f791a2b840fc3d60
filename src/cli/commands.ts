import { listUserPasskeys, removeUserPasskey } from './passkey.js';
import { defineAttribute, defineScope, deprecateAttribute, listAttributes, listScopes, removeAttribute, removeScope, userAttributes } from './attribute.js';
import { createClient, deleteClient, listClients, updateClient } from './client.js';
import { addConnection, deleteConnection, listConnections, showConnection } from './connection.js';
import type { Command } from './context.js';
import { exportEvents, listEvents, pruneEvents, tailEvents, verifyEvents } from './events.js';
import { createDirectory, createScimToken, deleteDirectory, listDirectories, listScimTokens, revokeScimToken, rotateScimToken, showDirectory, updateDirectory } from './directory.js';
import { rotateKeys } from './keys.js';
import { migrate } from './migrate.js';
import { bootstrapAdmin } from './admin.js';
import { createGroup, deleteGroup, listGroups, showGroup, updateGroup } from './group.js';
import { addMember, listMembers, removeMember } from './member.js';
import { addPermission, listPermissions, removePermission } from './permission.js';
import { createResource, deleteResource, listResources, showResource } from './resource.js';
import {
  addRolePermissions,
  assignRole,
  createRole,
  deleteRole,
  listRoles,
  removeRolePermission,
  showRole,
  unassignRole,
} from './role.js';
import { createUser, deleteUser, disableUser, exportUser, listLockedUsers, resetUserMfa, signOutUser, unlockUser } from './user.js';
import { clearExchangePolicy, setExchangePolicy, showExchangePolicy } from './exchange-policy.js';
import { listLogoutDeliveries, redeliverLogout } from './backchannel.js';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, redeliverWebhook } from './webhook.js';

/** Every `idp` verb, by its words on the command line. */
export const COMMANDS: Record<string, Command> = {
  migrate,
  'client create': createClient,
  'client list': listClients,
  'client update': updateClient,
  'client delete': deleteClient,
  'user create': createUser,
  'user disable': disableUser,
  'user delete': deleteUser,
  'user export': exportUser,
  'user unlock': unlockUser,
  'user locked': listLockedUsers,
  'user reset-mfa': resetUserMfa,
  'user passkeys': listUserPasskeys,
  'user remove-passkey': removeUserPasskey,
  'keys rotate': rotateKeys,
  'resource create': createResource,
  'resource list': listResources,
  'resource show': showResource,
  'resource delete': deleteResource,
  'permission add': addPermission,
  'permission list': listPermissions,
  'permission remove': removePermission,
  'role create': createRole,
  'role list': listRoles,
  'role show': showRole,
  'role delete': deleteRole,
  'role add-permission': addRolePermissions,
  'role remove-permission': removeRolePermission,
  'role assign': assignRole,
  'role unassign': unassignRole,
  'group create': createGroup,
  'group list': listGroups,
  'group show': showGroup,
  'group delete': deleteGroup,
  'group update': updateGroup,
  'member add': addMember,
  'member remove': removeMember,
  'member list': listMembers,
  'admin bootstrap': bootstrapAdmin,
  'connection add': addConnection,
  'connection list': listConnections,
  'connection show': showConnection,
  'connection delete': deleteConnection,
  'attribute define': defineAttribute,
  'attribute list': listAttributes,
  'attribute deprecate': deprecateAttribute,
  'attribute remove': removeAttribute,
  'scope define': defineScope,
  'scope list': listScopes,
  'scope remove': removeScope,
  'user attributes': userAttributes,
  'events list': listEvents,
  'events export': exportEvents,
  'events tail': tailEvents,
  'events verify': verifyEvents,
  'events prune': pruneEvents,
  'exchange-policy set': setExchangePolicy,
  'exchange-policy show': showExchangePolicy,
  'exchange-policy clear': clearExchangePolicy,
  'webhook create': createWebhook,
  'webhook list': listWebhooks,
  'webhook delete': deleteWebhook,
  'webhook deliveries': listDeliveries,
  'webhook redeliver': redeliverWebhook,
  'backchannel deliveries': listLogoutDeliveries,
  'backchannel redeliver': redeliverLogout,
  'user sign-out': signOutUser,
  'directory create': createDirectory,
  'directory list': listDirectories,
  'directory show': showDirectory,
  'directory update': updateDirectory,
  'directory delete': deleteDirectory,
  'scim-token create': createScimToken,
  'scim-token list': listScimTokens,
  'scim-token rotate': rotateScimToken,
  'scim-token revoke': revokeScimToken,
};

export const USAGE = `Usage: idp <command> [options] [--json]

  migrate                                   apply pending database migrations
  client create --name N --type web|spa|native|machine|device [--redirect-uri U]... [--post-logout-redirect-uri U]... [--scope S] [--first-party] [--require-mfa] [--require-phishing-resistant] [--system-api-delegation] [--require-verified-email] [--max-age SECONDS]
  client update CLIENT_ID [--name N] [--[no-]first-party] [--[no-]require-mfa] [--[no-]require-phishing-resistant] [--[no-]system-api-delegation]
      [--backchannel-logout-uri U] [--[no-]backchannel-logout-session-required] [--remove-backchannel-logout]
      [--logo-uri U] [--policy-uri U] [--tos-uri U] [--remove-page-links]   (also on create: the client's logo and links on its pages)
  client list
  client delete CLIENT_ID
  exchange-policy set CLIENT_ID --target URI[=PERMISSION,...]...
                                            let a confidential client exchange people's tokens for these APIs (RFC 8693; replaces its policy)
  exchange-policy show CLIENT_ID | clear CLIENT_ID
  user create --email E [--name N] [--password-stdin] [--verified]
  user disable EMAIL
  user sign-out EMAIL                       end every session of an account now, with back-channel logout (running server)
  user export EMAIL                         everything held about an account, as JSON (docs/privacy.md)
  user delete EMAIL --yes                   delete an account and erase its personal data, also in its events (docs/privacy.md)
  user unlock EMAIL                         unlock an account locked by failed sign-ins
  user locked                               list locked accounts
  user reset-mfa EMAIL                      remove an account's second factor and recovery codes
  user passkeys EMAIL                       list an account's passkeys
  user remove-passkey EMAIL ID              remove one passkey (never the account's last way in)
  keys rotate                               add new signing keys; old ones keep verifying until their tokens expire
  resource create --identifier URI [--name N] [--permission P]... [--token-ttl SECONDS] [--opaque] [--resource-server CLIENT_ID]...
  resource list | show URI | delete URI
  permission add URI NAME [--description D] | list URI | remove URI NAME
  role create NAME [--description D] | list | show NAME | delete NAME
  role add-permission NAME --resource URI PERMISSION... | remove-permission NAME --resource URI PERMISSION
  role assign NAME (--user EMAIL | --group NAME | --client CLIENT_ID) | unassign NAME (...)
  group create NAME [--description D] [--require-mfa] [--require-phishing-resistant] | list | show NAME | delete NAME
  group update NAME [--description D] [--[no-]require-mfa] [--[no-]require-phishing-resistant]
  member add GROUP (--user EMAIL | --group NAME) | remove GROUP (...) | list GROUP
  admin bootstrap [--name N] [--force]          create the first admin API client (prints its secret once)
  connection add (--preset google|github | --slug S --issuer URL | --slug S --kind oauth2 --authorization-endpoint U
                 --token-endpoint U --userinfo-endpoint U --subject-claim C) --client-id ID [--client-secret-stdin]
                 [--name N] [--scopes S] [--domain D]... [--groups-claim C] [--map-group UPSTREAM=GROUP]... [--no-jit] [--trust-mfa]
  connection list | show SLUG | delete SLUG     upstream identity providers (docs/federation.md)
  attribute define NAME --type string|number|boolean|date|enum|string_list [--label L] [--description D] [--required]
      [--min-length N] [--max-length N] [--pattern RE] [--min X] [--max X] [--option V]... [--user-editable] [--signup]
  attribute list | deprecate NAME | remove NAME (only once deprecated; deletes its values)
  scope define NAME --claim ATTRIBUTE... [--description D]   custom scope releasing attributes as claims (again to replace)
  scope list | remove NAME
  user attributes EMAIL [--set NAME=VALUE]... [--unset NAME]...   show or change an account's attribute values
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
  webhook deliveries WEBHOOK_ID [--failed] [--limit N]
                                            recent deliveries, newest first: state, attempts, next retry, last answer
  webhook redeliver DELIVERY_ID             send a delivered or failed delivery again, now, with fresh attempts
  backchannel deliveries [--client CLIENT_ID] [--account ACCOUNT_ID] [--failed] [--limit N]
                                            queued back-channel logout tokens, newest first (docs/operations.md)
  backchannel redeliver DELIVERY_ID         send a delivered or failed logout token again, now, with fresh attempts
  directory create NAME [--client CLIENT_ID] [--no-invitations]
                                            a SCIM directory (Okta, Entra): a source of provisioned accounts (docs/scim.md)
  directory list | show DIR | delete DIR    DIR is a name or id; deleting keeps its accounts and groups
  directory update DIR [--name N] [--client CLIENT_ID | --no-client] [--invitations on|off]
  scim-token create DIR [--label L] [--expires-in-days N]
                                            a provisioning token for the directory (printed once; stored hashed)
  scim-token list DIR | rotate DIR TOKEN_ID | revoke DIR TOKEN_ID

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
