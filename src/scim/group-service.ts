import { recordChange } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Clock } from '../shared/clock.js';
import { newUuid } from '../shared/ids.js';
import { matchesIfMatch, type ScimCaller } from './context.js';
import { invalidValue, ScimError, scimNotFound, uniqueness } from './errors.js';
import { parseGroup, renderGroup, type GroupInput } from './group-mapping.js';
import { listResponse, listWindow, type ListQuery } from './list-query.js';
import { applyPatch } from './patch.js';
import { projection } from './projection.js';
import { groupColumn, type BoundScimQueries, type ScimQueries } from './queries.js';
import type { ScimGroupRow } from './queries/groups.js';
import { GROUP_SCHEMAS } from './schemas.js';
import { asUniqueness } from './unique.js';

export interface GroupServiceDeps {
  queries: ScimQueries;
  audit: AuditRecorder;
  clock: Clock;
  /** Called after membership changed (the permission cache drops what it knew). */
  onChange(): void;
}

const groupNotFound = () => scimNotFound('no group with this id in this directory');
const preconditionFailed = () => new ScimError(412, undefined, 'the resource changed since the version in If-Match');
const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

interface Applied {
  group: { id: string; name: string };
  before?: { name: string; externalId: string | null };
  after: GroupInput;
  added: string[];
  removed: string[];
}

/**
 * /Groups of one directory: groups of the server's RBAC (src/rbac) whose members are the
 * directory's users. Names are unique on the server, so a displayName another group already has is
 * a 409 uniqueness. Every member named must be a user of the same directory, or nothing changes.
 */
export function createGroupService(deps: GroupServiceDeps) {
  const { queries, clock } = deps;

  async function checkMembers(trx: BoundScimQueries, caller: ScimCaller, ids: string[]) {
    const valid = ids.filter(isUuid);
    const known = await trx.existingUserIds(caller.directory.id, valid);
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined) throw invalidValue(`member ${unknown} is not a user of this directory`);
  }

  async function checkName(trx: BoundScimQueries, name: string, exceptId?: string) {
    if (await trx.groupNameTaken(name, exceptId)) throw uniqueness('a group with this displayName already exists');
  }

  async function record(caller: ScimCaller, applied: Applied) {
    const target = { type: 'group', id: applied.group.id, name: applied.after.name };
    const detail = { via: 'scim', directory: caller.directory.name };
    const events: Promise<void>[] = [];
    if (!applied.before) {
      events.push(recordChange(deps.audit, { type: 'group.created', actor: caller.actor, target, changes: { name: { before: null, after: applied.after.name }, external_id: { before: null, after: applied.after.externalId } }, detail }));
    } else if (applied.before.name !== applied.after.name || applied.before.externalId !== applied.after.externalId) {
      events.push(recordChange(deps.audit, { type: 'group.updated', actor: caller.actor, target, changes: { name: { before: applied.before.name, after: applied.after.name }, external_id: { before: applied.before.externalId, after: applied.after.externalId } }, detail }));
    }
    // One event per membership change, as the admin API writes them; recorded together, they share a commit.
    for (const [type, ids] of [['group.member_added', applied.added], ['group.member_removed', applied.removed]] as const) {
      for (const accountId of ids) events.push(recordChange(deps.audit, { type, actor: caller.actor, target, accountId, detail: { ...detail, member: { type: 'account', id: accountId } } }));
    }
    await Promise.all(events);
    if (applied.added.length || applied.removed.length) deps.onChange();
  }

  async function load(handle: BoundScimQueries, caller: ScimCaller, id: string, lock: boolean) {
    const row = isUuid(id) ? await handle.findGroup(caller.directory.id, id, lock) : undefined;
    if (!row) throw groupNotFound();
    return row;
  }

  async function render(handle: BoundScimQueries, caller: ScimCaller, row: ScimGroupRow, withMembers = true) {
    const members = withMembers ? ((await handle.membersOf([row.group_id])).get(row.group_id) ?? []) : undefined;
    return renderGroup(row, members, caller.base);
  }

  /** Replaces a group's name, externalId and members with `build`'s result, in one transaction. */
  async function write(caller: ScimCaller, id: string, ifMatch: string | undefined, build: (current: Record<string, unknown>) => GroupInput): Promise<void> {
    const applied = await queries
      .transaction(async (trx): Promise<Applied> => {
        const row = await load(trx, caller, id, true);
        const current = await render(trx, caller, row);
        if (!matchesIfMatch(ifMatch, (current.meta as { version: string }).version)) throw preconditionFailed();
        const next = build(current);
        if (next.name.toLowerCase() !== row.name.toLowerCase()) await checkName(trx, next.name, row.group_id);
        await checkMembers(trx, caller, next.members);
        const had = new Set(((current.members as { value: string }[] | undefined) ?? []).map((member) => member.value));
        const wanted = new Set(next.members);
        const added = next.members.filter((member) => !had.has(member));
        const removed = [...had].filter((member) => !wanted.has(member));
        await trx.addMembers(row.group_id, added);
        await trx.removeMembers(row.group_id, removed);
        await trx.updateGroup(row.group_id, next, clock.now());
        return { group: { id: row.group_id, name: row.name }, before: { name: row.name, externalId: row.external_id }, after: next, added, removed };
      })
      .catch(asUniqueness);
    await record(caller, applied);
  }

  return {
    async get(caller: ScimCaller, id: string, withMembers = true) {
      return render(queries, caller, await load(queries, caller, id, false), withMembers);
    },

    async list(caller: ScimCaller, query: ListQuery) {
      const view = projection(GROUP_SCHEMAS, query.attributes, query.excludedAttributes);
      const { total, rows } = await queries.listGroups(caller.directory.id, listWindow(query, groupColumn));
      const members = view.shows('members') ? await queries.membersOf(rows.map((row) => row.group_id)) : undefined;
      return listResponse(query, total, rows.map((row) => view.apply(renderGroup(row, members ? (members.get(row.group_id) ?? []) : undefined, caller.base))));
    },

    async create(caller: ScimCaller, body: unknown) {
      const input = parseGroup(body);
      const id = newUuid();
      await queries
        .transaction(async (trx) => {
          await checkName(trx, input.name);
          await checkMembers(trx, caller, input.members);
          await trx.insertGroup(caller.directory.id, id, input, clock.now());
          await trx.addMembers(id, input.members);
        })
        .catch(asUniqueness);
      await record(caller, { group: { id, name: input.name }, after: input, added: input.members, removed: [] });
      return id;
    },

    replace: (caller: ScimCaller, id: string, body: unknown, ifMatch?: string) => write(caller, id, ifMatch, () => parseGroup(body)),

    patch: (caller: ScimCaller, id: string, body: unknown, ifMatch?: string) => write(caller, id, ifMatch, (current) => parseGroup(applyPatch(GROUP_SCHEMAS, current, body))),

    async remove(caller: ScimCaller, id: string, ifMatch?: string) {
      const row = await queries.transaction(async (trx) => {
        const locked = await load(trx, caller, id, true);
        const current = await render(trx, caller, locked, false);
        if (!matchesIfMatch(ifMatch, (current.meta as { version: string }).version)) throw preconditionFailed();
        await trx.deleteGroup(locked.group_id);
        return locked;
      });
      await recordChange(deps.audit, {
        type: 'group.deleted',
        actor: caller.actor,
        target: { type: 'group', id: row.group_id, name: row.name },
        changes: { name: { before: row.name, after: null } },
        detail: { via: 'scim', directory: caller.directory.name },
      });
      deps.onChange();
    },
  };
}

export type ScimGroupService = ReturnType<typeof createGroupService>;
