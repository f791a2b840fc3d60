import { diffFields, recordChange, type Actor } from '../audit/changes.js';
import type { AuditRecorder } from '../audit/recorder.js';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import { newUuid } from '../shared/ids.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { RbacQueries } from './queries.js';
import type { GroupRow, MemberKind, MemberView } from './queries/groups.js';
import { isUuid, requireAccount, type SubjectDirectory } from './subjects.js';

export interface GroupInput {
  name: string;
  description?: string | null;
  /** Members must sign in with a second factor. */
  require_mfa?: boolean;
  /** Members must sign in with a passkey (the phishing-resistant acr), whatever the client. */
  require_phishing_resistant?: boolean;
}

export interface Member {
  type: MemberKind;
  id: string;
}

const groupNotFound = () => notFound('no group with this id');
const asRecord = (value: object) => value as Record<string, unknown>;

/** Groups of accounts and of other groups. Nesting is allowed; a loop is refused when it would form. */
export function createGroupService(deps: { queries: RbacQueries; audit: AuditRecorder; directory: SubjectDirectory; onChange?: () => void }) {
  const { queries, audit, directory } = deps;
  const changed = deps.onChange ?? (() => undefined);

  async function requireGroup(id: string): Promise<GroupRow> {
    const group = isUuid(id) ? await queries.findGroupById(id) : undefined;
    if (!group) throw groupNotFound();
    return group;
  }

  async function memberName(member: Member): Promise<string> {
    if (member.type === 'account') return (await requireAccount(directory, member.id)).email;
    const group = isUuid(member.id) ? await queries.findGroupById(member.id) : undefined;
    if (!group) throw notFound('no group with this id');
    return group.name;
  }

  return {
    requireGroup,
    findGroupByName: (name: string) => queries.findGroupByName(name),
    listGroupsPage: (page: PageRequest) => queries.listGroupsPage(page),

    async createGroup(input: GroupInput, actor: Actor): Promise<GroupRow> {
      if (await queries.findGroupByName(input.name)) throw conflict('a group with this name already exists');
      const group = await queries.insertGroup({ id: newUuid(), name: input.name, description: input.description ?? null, require_mfa: input.require_mfa ?? false, require_phishing_resistant: input.require_phishing_resistant ?? false });
      changed();
      await recordChange(audit, {
        type: 'group.created',
        actor,
        target: { type: 'group', id: group.id, name: group.name },
        changes: diffFields(undefined, asRecord(group), { ignore: ['id'] }),
      });
      return group;
    },

    async updateGroup(id: string, changes: Partial<GroupInput>, actor: Actor): Promise<GroupRow> {
      const before = await requireGroup(id);
      if (changes.name !== undefined && changes.name.toLowerCase() !== before.name.toLowerCase() && (await queries.findGroupByName(changes.name))) {
        throw conflict('a group with this name already exists');
      }
      const after = await queries.updateGroup(id, changes);
      if (!after) throw groupNotFound();
      changed();
      await recordChange(audit, { type: 'group.updated', actor, target: { type: 'group', id, name: after.name }, changes: diffFields(asRecord(before), asRecord(after)) });
      return after;
    },

    async deleteGroup(id: string, actor: Actor): Promise<void> {
      const before = await requireGroup(id);
      await queries.deleteGroup(id);
      changed();
      await recordChange(audit, {
        type: 'group.deleted',
        actor,
        target: { type: 'group', id, name: before.name },
        changes: diffFields(asRecord(before), undefined, { ignore: ['id'] }),
      });
    },

    /** The groups an account is a direct member of (nested groups it belongs to through them are not listed). */
    listGroupsOfAccountPage: (accountId: string, page: PageRequest) => queries.listGroupsOfAccountPage(accountId, page),

    async listMembersPage(groupId: string, page: PageRequest): Promise<Page<MemberView>> {
      await requireGroup(groupId);
      return queries.listMembersPage(groupId, page);
    },

    /**
     * Adds an account or a group to a group (idempotent; returns whether it was new). A group may not
     * contain itself, directly or through others: that is refused with 409 MEMBERSHIP_CYCLE. The check
     * and the insert run under a lock on the membership table, so two concurrent additions that would
     * together close a loop cannot both pass.
     */
    async addMember(groupId: string, member: Member, actor: Actor): Promise<boolean> {
      const group = await requireGroup(groupId);
      const name = await memberName(member);
      const added = await queries.transaction(async (trx) => {
        if (member.type === 'group') {
          await trx.lockGroupGraph();
          if (await trx.isGroupWithin(groupId, member.id)) {
            throw new AppError('MEMBERSHIP_CYCLE', 409, `group ${name} already contains group ${group.name}: adding it would make a loop`);
          }
        }
        return trx.insertMember(groupId, member.type, member.id);
      });
      if (added) {
        changed();
        await recordChange(audit, {
          type: 'group.member_added',
          actor,
          target: { type: 'group', id: groupId, name: group.name },
          detail: { member: { type: member.type, id: member.id, name } },
          ...(member.type === 'account' ? { accountId: member.id } : {}),
        });
      }
      return added;
    },

    async removeMember(groupId: string, member: Member, actor: Actor): Promise<void> {
      const group = await requireGroup(groupId);
      const name = await memberName(member);
      if (!(await queries.deleteMember(groupId, member.type, member.id))) throw notFound(`this ${member.type} is not a member of this group`);
      changed();
      await recordChange(audit, {
        type: 'group.member_removed',
        actor,
        target: { type: 'group', id: groupId, name: group.name },
        detail: { member: { type: member.type, id: member.id, name } },
        ...(member.type === 'account' ? { accountId: member.id } : {}),
      });
    },
  };
}

export type GroupService = ReturnType<typeof createGroupService>;
