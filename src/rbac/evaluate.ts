import type { HeldObjectGrantRow, HeldPermissionRow } from './queries/access.js';

/**
 * What one subject may do, as loaded once and then asked many questions. Pure data and pure
 * functions: the check endpoint's hot path does no I/O once a profile is cached.
 */
export interface AccessProfile {
  active: boolean;
  /** permission name → where it comes from (a role, perhaps through a group), per API resource. */
  permissions: Map<string, PermissionSource[]>;
  /** `permission \0 type \0 id` → object grants of exactly that object. */
  objectGrants: Map<string, ObjectSource[]>;
  /** `permission \0 type` → every object grant of that type, for the list form. */
  objectsByType: Map<string, ObjectSource[]>;
}

export interface PermissionSource {
  resource: string;
  role: string;
  group: string | null;
}

export interface ObjectSource {
  resource: string;
  objectId: string;
  group: string | null;
}

export interface CheckQuestion {
  permission: string;
  object?: { type: string; id: string };
  /** Restricts the permission to one API resource (its identifier); any resource when absent. */
  resource?: string;
}

export type CheckReason = 'role' | 'object_grant' | 'no_permission' | 'subject_not_active';

export interface CheckAnswer {
  allowed: boolean;
  reason: CheckReason;
  /** The role that allowed it (reason `role`). */
  role?: string;
  /** The group through which the role or the object grant is held, when not held directly. */
  group?: string;
}

export interface ObjectListAnswer {
  /** True when a role gives the permission on every object of the type. */
  all: boolean;
  /** Objects (`type:id`) granted one by one, in a stable order. */
  objects: string[];
}

export const INACTIVE_PROFILE: AccessProfile = {
  active: false,
  permissions: new Map(),
  objectGrants: new Map(),
  objectsByType: new Map(),
};

const objectKey = (permission: string, type: string, id: string) => `${permission}\0${type}\0${id}`;
const typeKey = (permission: string, type: string) => `${permission}\0${type}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function buildProfile(active: boolean, held: HeldPermissionRow[], grants: HeldObjectGrantRow[]): AccessProfile {
  if (!active) return INACTIVE_PROFILE;
  const profile: AccessProfile = { active, permissions: new Map(), objectGrants: new Map(), objectsByType: new Map() };
  // Direct holdings first, so an answer names the most direct source.
  const direct = (row: { via_group: string | null }) => (row.via_group === null ? 0 : 1);
  for (const row of [...held].sort((a, b) => direct(a) - direct(b) || a.role.localeCompare(b.role))) {
    push(profile.permissions, row.permission, { resource: row.resource, role: row.role, group: row.via_group });
  }
  for (const row of [...grants].sort((a, b) => direct(a) - direct(b) || a.object_id.localeCompare(b.object_id))) {
    const source = { resource: row.resource, objectId: row.object_id, group: row.via_group };
    push(profile.objectGrants, objectKey(row.permission, row.object_type, row.object_id), source);
    push(profile.objectsByType, typeKey(row.permission, row.object_type), source);
  }
  return profile;
}

const matches = (resource?: string) => (source: { resource: string }) => resource === undefined || source.resource === resource;

/** May the subject do `permission` (on `object`)? Role permissions first, then object grants. */
export function evaluate(profile: AccessProfile, question: CheckQuestion): CheckAnswer {
  if (!profile.active) return { allowed: false, reason: 'subject_not_active' };
  const role = profile.permissions.get(question.permission)?.find(matches(question.resource));
  if (role) return { allowed: true, reason: 'role', role: role.role, ...(role.group ? { group: role.group } : {}) };
  if (question.object) {
    const grant = profile.objectGrants.get(objectKey(question.permission, question.object.type, question.object.id))?.find(matches(question.resource));
    if (grant) return { allowed: true, reason: 'object_grant', ...(grant.group ? { group: grant.group } : {}) };
  }
  return { allowed: false, reason: 'no_permission' };
}

/** Which objects of a type may the subject do `permission` on? */
export function listObjects(profile: AccessProfile, question: { permission: string; objectType: string; resource?: string }): ObjectListAnswer {
  if (!profile.active) return { all: false, objects: [] };
  const all = Boolean(profile.permissions.get(question.permission)?.some(matches(question.resource)));
  const ids = new Set(
    (profile.objectsByType.get(typeKey(question.permission, question.objectType)) ?? []).filter(matches(question.resource)).map((source) => source.objectId),
  );
  return { all, objects: [...ids].sort().map((id) => `${question.objectType}:${id}`) };
}
