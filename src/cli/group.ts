import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import { parseInput } from '../http/validate.js';
import { nameSchema } from '../rbac/schemas.js';
import type { Command } from './context.js';
import { everything, groupNamed, onePositional } from './lookup.js';
import { UsageError } from './context.js';

export const createGroup: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { description: { type: 'string' }, 'require-mfa': { type: 'boolean' }, 'require-phishing-resistant': { type: 'boolean' } }, strict: true });
  const name = parseInput(nameSchema, onePositional(positionals, 'group create needs the group name'));
  const group = await context.groups.createGroup({ name, description: values.description, require_mfa: values['require-mfa'], require_phishing_resistant: values['require-phishing-resistant'] }, CLI_ACTOR);
  return { data: group, text: `Created group ${group.name}.` };
};

export const listGroups: Command = async (context) => {
  const groups = await everything((page) => context.groups.listGroupsPage(page));
  return { data: groups, text: groups.length ? groups.map((group) => group.name).join('\n') : 'No groups yet.' };
};

export const showGroup: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const group = await groupNamed(context, onePositional(positionals, 'group show needs the group name'));
  const members = await everything((page) => context.groups.listMembersPage(group.id, page));
  const roles = await everything((page) => context.roles.listAssignmentsPage({ type: 'group', id: group.id }, page));
  const lines = [group.name, ...members.map((member) => `  member ${member.type} ${member.name}`), ...roles.map((role) => `  role ${role.role}`)];
  return { data: { ...group, members, roles }, text: lines.join('\n') };
};

export const deleteGroup: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const group = await groupNamed(context, onePositional(positionals, 'group delete needs the group name'));
  await context.groups.deleteGroup(group.id, CLI_ACTOR);
  return { data: { name: group.name, deleted: true }, text: `Deleted group ${group.name}.` };
};

/** Changes a group's description or what it requires of its members; `--no-X` turns a requirement off. */
export const updateGroup: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, allowNegative: true, strict: true,
    options: { description: { type: 'string' }, 'require-mfa': { type: 'boolean' }, 'require-phishing-resistant': { type: 'boolean' } },
  });
  const group = await groupNamed(context, onePositional(positionals, 'group update needs the group name'));
  const changes = { description: values.description, require_mfa: values['require-mfa'], require_phishing_resistant: values['require-phishing-resistant'] };
  if (Object.values(changes).every((value) => value === undefined)) {
    throw new UsageError('group update needs at least one of --description, --[no-]require-mfa, --[no-]require-phishing-resistant');
  }
  const updated = await context.groups.updateGroup(group.id, Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)), CLI_ACTOR);
  return { data: updated, text: `Updated group ${updated.name}.` };
};
