import { canonicalResource } from './canonical.js';
import { GROUP_SCHEMA, MAX_MEMBERS_PER_REQUEST } from './constants.js';
import { invalidValue, tooLarge } from './errors.js';
import type { GroupMemberRow, ScimGroupRow } from './queries/groups.js';
import { GROUP_SCHEMAS } from './schemas.js';
import { etagOf } from './user-mapping.js';

type Json = Record<string, unknown>;

export interface GroupInput {
  name: string;
  externalId: string | null;
  /** Account ids, deduplicated. */
  members: string[];
}

const MAX_GROUP_NAME = 200;

/** Reads a Group body (POST, PUT, or the result of a PATCH). */
export function parseGroup(body: unknown): GroupInput {
  const resource = canonicalResource(GROUP_SCHEMAS, body);
  const name = resource.displayName;
  if (typeof name !== 'string' || !name.trim()) throw invalidValue('displayName is required');
  if (name.trim().length > MAX_GROUP_NAME) throw invalidValue(`displayName has at most ${MAX_GROUP_NAME} characters`);
  const members = (resource.members as { value?: string; type?: string }[] | undefined) ?? [];
  if (members.length > MAX_MEMBERS_PER_REQUEST) throw tooLarge(`a request names at most ${MAX_MEMBERS_PER_REQUEST} members`);
  const ids = new Set<string>();
  for (const member of members) {
    if (!member.value) throw invalidValue('each member needs a value (the id of a user)');
    if (member.type && member.type.toLowerCase() !== 'user') throw invalidValue('members are users; nested groups are not supported');
    ids.add(member.value);
  }
  return { name: name.trim(), externalId: (resource.externalId as string | undefined) ?? null, members: [...ids] };
}

/** The SCIM Group of a stored row, with its members unless they were excluded. */
export function renderGroup(row: ScimGroupRow, members: GroupMemberRow[] | undefined, base: string): Json {
  const body: Json = {
    schemas: [GROUP_SCHEMA],
    id: row.group_id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.name,
    ...(members ? { members: members.map((member) => ({ value: member.account_id, display: member.user_name, type: 'User', $ref: `${base}/Users/${member.account_id}` })) } : {}),
  };
  return {
    ...body,
    meta: {
      resourceType: 'Group',
      created: new Date(row.created_at).toISOString(),
      lastModified: new Date(row.updated_at).toISOString(),
      location: `${base}/Groups/${row.group_id}`,
      // Every change (members included) moves updated_at, so the version holds with or without members.
      version: etagOf({ id: row.group_id, name: row.name, externalId: row.external_id, updated: new Date(row.updated_at).toISOString() }),
    },
  };
}
