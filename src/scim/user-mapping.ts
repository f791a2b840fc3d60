import { createHash } from 'node:crypto';
import { normalizeEmail } from '../accounts/service.js';
import { canonicalResource } from './canonical.js';
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from './constants.js';
import { invalidValue } from './errors.js';
import type { ScimUserRow, UserWrite } from './queries/users.js';
import { USER_SCHEMAS } from './schemas.js';
import type { AttributeMapping } from './attribute-mapping.js';

type Json = Record<string, unknown>;

/** What a User body asks for: the account's fields, the stored document, and mapped custom attributes. */
export interface UserInput extends UserWrite {
  attributes: Record<string, string | null>;
}

const MAX_USER_NAME = 256;

/** The address the account uses: the primary email, else the work one, else the first, else a userName that is an address. */
function accountEmail(resource: Json): string {
  const emails = (resource.emails as { value?: string; type?: string; primary?: boolean }[] | undefined) ?? [];
  const chosen = emails.find((email) => email.primary) ?? emails.find((email) => email.type?.toLowerCase() === 'work') ?? emails[0];
  const candidate = chosen?.value ?? (String(resource.userName).includes('@') ? String(resource.userName) : undefined);
  if (!candidate) throw invalidValue('a user needs an email address (in emails, or as a userName that is one)');
  try {
    return normalizeEmail(candidate);
  } catch {
    throw invalidValue(`${candidate} is not a valid email address`);
  }
}

function accountName(resource: Json): string | null {
  const name = (resource.name ?? {}) as Record<string, string | undefined>;
  const joined = [name.givenName, name.familyName].filter(Boolean).join(' ');
  const chosen = (resource.displayName as string | undefined) ?? name.formatted ?? (joined || undefined);
  return chosen?.trim().slice(0, 200) || null;
}

/** Reads a User body (POST, PUT, or the result of a PATCH) into what is stored. */
export function parseUser(body: unknown, mapping: AttributeMapping, currentlyActive = true): UserInput {
  const resource = canonicalResource(USER_SCHEMAS, body);
  // A replacement without `active` keeps the account's status: leaving it out must not re-enable anyone.
  const active = resource.active === undefined ? currentlyActive : (resource.active as boolean);
  const userName = resource.userName;
  if (typeof userName !== 'string' || !userName.trim()) throw invalidValue('userName is required');
  if (userName.length > MAX_USER_NAME) throw invalidValue(`userName has at most ${MAX_USER_NAME} characters`);
  const externalId = (resource.externalId as string | undefined) ?? null;
  const stored = { ...resource };
  for (const column of ['userName', 'externalId', 'active']) delete stored[column];
  return {
    userName: userName.trim(),
    externalId,
    email: accountEmail(resource),
    name: accountName(resource),
    active,
    resource: stored,
    attributes: mapping.valuesOf(resource),
  };
}

/** A strong validator of what the resource says, as a weak ETag (RFC 7644 §3.14). */
export function etagOf(resource: Json): string {
  return `W/"${createHash('sha256').update(JSON.stringify(resource)).digest('base64url').slice(0, 22)}"`;
}

/** The SCIM User of a stored row. */
export function renderUser(row: ScimUserRow, groups: { id: string; name: string }[], base: string): Json {
  const { [ENTERPRISE_SCHEMA]: enterprise, ...core } = row.resource;
  const body: Json = {
    schemas: enterprise ? [USER_SCHEMA, ENTERPRISE_SCHEMA] : [USER_SCHEMA],
    id: row.account_id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    userName: row.user_name,
    ...core,
    active: row.status === 'active',
    ...(groups.length ? { groups: groups.map((group) => ({ value: group.id, display: group.name, $ref: `${base}/Groups/${group.id}`, type: 'direct' })) } : {}),
    ...(enterprise ? { [ENTERPRISE_SCHEMA]: enterprise } : {}),
  };
  return {
    ...body,
    meta: {
      resourceType: 'User',
      created: new Date(row.created_at).toISOString(),
      lastModified: new Date(row.updated_at).toISOString(),
      location: `${base}/Users/${row.account_id}`,
      version: etagOf(body),
    },
  };
}
