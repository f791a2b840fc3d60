import { diffFields, recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Clock } from '../shared/clock.js';
import { newUuid } from '../shared/ids.js';
import type { AttributeMapping } from './attribute-mapping.js';
import { matchesIfMatch, type ScimCaller } from './context.js';
import { ScimError, scimNotFound } from './errors.js';
import { listResponse, listWindow, type ListQuery } from './list-query.js';
import { applyPatch } from './patch.js';
import { projection } from './projection.js';
import { userColumn, type BoundScimQueries, type ScimQueries } from './queries.js';
import type { ScimUserRow } from './queries/users.js';
import { USER_SCHEMAS } from './schemas.js';
import { asUniqueness } from './unique.js';
import { parseUser, renderUser, type UserInput } from './user-mapping.js';

export interface UserServiceDeps {
  queries: ScimQueries;
  audit: AuditRecorder;
  clock: Clock;
  mapping: AttributeMapping;
  /** Ends every session of the account and revokes its tokens (a disabled account). */
  endSessions(accountId: string): Promise<void>;
  /**
   * Deletes an account as every deletion does (privacy/account-erasure.ts): sessions and grants end,
   * its data key is destroyed so its events read as erased, `account.deleted` is recorded.
   */
  eraseAccount(accountId: string, actor: Actor): Promise<unknown>;
  /** Mails a new person a link to set their password. */
  invite(account: { id: string; email: string }): Promise<void>;
  /** Called when an account's status changed or it was deleted (the permission cache drops what it knew). */
  onChange(): void;
}

const preconditionFailed = () => new ScimError(412, undefined, 'the resource changed since the version in If-Match');
const userNotFound = () => scimNotFound('no user with this id in this directory');
const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** The account fields the audit log shows for a provisioned user. */
const audited = (row: Pick<ScimUserRow, 'email' | 'name' | 'status' | 'user_name' | 'external_id'>) => ({
  email: row.email,
  name: row.name,
  status: row.status,
  user_name: row.user_name,
  external_id: row.external_id,
});
const auditedInput = (input: UserInput) => ({ email: input.email, name: input.name, status: input.active ? 'active' : 'disabled', user_name: input.userName, external_id: input.externalId });

/**
 * /Users of one directory. A directory sees and changes only the accounts it created. Each write
 * runs in one transaction that re-reads the row under a lock, checks If-Match, and applies the whole
 * request or nothing; sessions, mail and audit events follow once it is committed.
 */
export function createUserService(deps: UserServiceDeps) {
  const { queries, clock } = deps;

  async function render(handle: BoundScimQueries, caller: ScimCaller, row: ScimUserRow) {
    const groups = (await handle.groupsOfUsers(caller.directory.id, [row.account_id])).get(row.account_id) ?? [];
    return renderUser(row, groups, caller.base);
  }

  async function lockedUser(trx: BoundScimQueries, caller: ScimCaller, id: string, ifMatch?: string) {
    const row = isUuid(id) ? await trx.findUser(caller.directory.id, id, true) : undefined;
    if (!row) throw userNotFound();
    const current = await render(trx, caller, row);
    if (!matchesIfMatch(ifMatch, (current.meta as { version: string }).version)) throw preconditionFailed();
    return { row, current };
  }

  /** After a committed change: the audit event, and for a newly disabled account the end of its sessions. */
  async function afterChange(caller: ScimCaller, before: ScimUserRow, input: UserInput) {
    const wasActive = before.status === 'active';
    if (wasActive !== input.active) deps.onChange();
    if (wasActive && !input.active) await deps.endSessions(before.account_id);
    const type = wasActive === input.active ? 'account.updated' : input.active ? 'account.enabled' : 'account.disabled';
    const changes = diffFields(audited(before), auditedInput(input));
    // The other SCIM attributes are named, not copied: the event says what changed, the directory holds the values.
    const attributes = [...new Set([...Object.keys(before.resource), ...Object.keys(input.resource)])].filter(
      (key) => JSON.stringify(before.resource[key]) !== JSON.stringify(input.resource[key]),
    );
    if (type === 'account.updated' && Object.keys(changes).length === 0 && attributes.length === 0) return;
    await recordChange(deps.audit, {
      type,
      actor: caller.actor,
      target: { type: 'account', id: before.account_id, name: input.email },
      accountId: before.account_id,
      changes,
      detail: { via: 'scim', directory: caller.directory.name, ...(attributes.length ? { attributes } : {}) },
    });
  }

  async function write(caller: ScimCaller, id: string, ifMatch: string | undefined, build: (current: Record<string, unknown>, row: ScimUserRow) => UserInput) {
    const { before, input } = await queries
      .transaction(async (trx) => {
        const { row, current } = await lockedUser(trx, caller, id, ifMatch);
        const next = build(current, row);
        await trx.updateUser(row.account_id, next, clock.now());
        await trx.setAttributeValues(row.account_id, next.attributes, clock.now());
        return { before: row, input: next };
      })
      .catch(asUniqueness);
    await afterChange(caller, before, input);
    return get(caller, id);
  }

  async function get(caller: ScimCaller, id: string) {
    const row = isUuid(id) ? await queries.findUser(caller.directory.id, id) : undefined;
    if (!row) throw userNotFound();
    return render(queries, caller, row);
  }

  return {
    get,

    async list(caller: ScimCaller, query: ListQuery) {
      const view = projection(USER_SCHEMAS, query.attributes, query.excludedAttributes);
      const { total, rows } = await queries.listUsers(caller.directory.id, listWindow(query, userColumn));
      const groups = view.shows('groups') ? await queries.groupsOfUsers(caller.directory.id, rows.map((row) => row.account_id)) : new Map();
      return listResponse(query, total, rows.map((row) => view.apply(renderUser(row, groups.get(row.account_id) ?? [], caller.base))));
    },

    async create(caller: ScimCaller, body: unknown) {
      const input = parseUser(body, deps.mapping);
      const id = newUuid();
      await queries
        .transaction(async (trx) => {
          await trx.insertUser(caller.directory.id, id, input, clock.now());
          await trx.setAttributeValues(id, input.attributes, clock.now());
        })
        .catch(asUniqueness);
      await recordChange(deps.audit, {
        type: 'account.created',
        actor: caller.actor,
        target: { type: 'account', id, name: input.email },
        accountId: id,
        changes: diffFields(undefined, auditedInput(input)),
        detail: { via: 'scim', directory: caller.directory.name },
      });
      if (input.active && caller.directory.send_invitations) await deps.invite({ id, email: input.email });
      return get(caller, id);
    },

    /** PUT: the body replaces the user (RFC 7644 §3.5.1); leaving out `active` keeps the status. */
    replace: (caller: ScimCaller, id: string, body: unknown, ifMatch?: string) =>
      write(caller, id, ifMatch, (_current, row) => parseUser(body, deps.mapping, row.status === 'active')),

    /** PATCH: operations applied to the user as last rendered, then stored like a PUT. */
    patch: (caller: ScimCaller, id: string, body: unknown, ifMatch?: string) =>
      write(caller, id, ifMatch, (current, row) => parseUser(applyPatch(USER_SCHEMAS, current, body), deps.mapping, row.status === 'active')),

    async remove(caller: ScimCaller, id: string, ifMatch?: string) {
      const found = isUuid(id) ? await queries.findUser(caller.directory.id, id) : undefined;
      if (!found) throw userNotFound();
      const current = await render(queries, caller, found);
      if (!matchesIfMatch(ifMatch, (current.meta as { version: string }).version)) throw preconditionFailed();
      // The same erasure as the account page, admin API and CLI (docs/privacy.md): whole or not at all, retryable.
      await deps.eraseAccount(found.account_id, caller.actor);
      deps.onChange();
    },
  };
}

export type ScimUserService = ReturnType<typeof createUserService>;
