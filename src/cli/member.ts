import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../audit/changes.js';
import type { Command } from './context.js';
import { everything, groupNamed, holderFrom, onePositional } from './lookup.js';

const MEMBER_OPTIONS = { user: { type: 'string' }, group: { type: 'string' } } as const;

/** member add GROUP (--user EMAIL | --group NAME) */
export const addMember: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: MEMBER_OPTIONS, strict: true });
  const group = await groupNamed(context, onePositional(positionals, 'member add needs the group name and --user EMAIL or --group NAME'));
  const member = await holderFrom(context, values, false);
  const added = await context.groups.addMember(group.id, { type: member.type as 'account' | 'group', id: member.id }, CLI_ACTOR);
  return { data: { group: group.name, member: { type: member.type, id: member.id, name: member.label }, added }, text: `${member.label} ${added ? 'is now' : 'already was'} a member of ${group.name}.` };
};

export const removeMember: Command = async (context, { args }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: MEMBER_OPTIONS, strict: true });
  const group = await groupNamed(context, onePositional(positionals, 'member remove needs the group name and --user EMAIL or --group NAME'));
  const member = await holderFrom(context, values, false);
  await context.groups.removeMember(group.id, { type: member.type as 'account' | 'group', id: member.id }, CLI_ACTOR);
  return { data: { group: group.name, member: { type: member.type, id: member.id, name: member.label }, removed: true }, text: `${member.label} is no longer a member of ${group.name}.` };
};

export const listMembers: Command = async (context, { args }) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const group = await groupNamed(context, onePositional(positionals, 'member list needs the group name'));
  const members = await everything((page) => context.groups.listMembersPage(group.id, page));
  return { data: members, text: members.length ? members.map((member) => `${member.type.padEnd(7)}  ${member.name}`).join('\n') : `${group.name} has no members.` };
};
