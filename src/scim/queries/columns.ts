import { GROUP_SCHEMAS, USER_SCHEMAS, resolvePath, type ResourceSchemas } from '../schemas.js';
import type { Column, ColumnResolver } from './filter.js';

/**
 * Where each SCIM attribute lives in SQL, for filters and sortBy. Users: `su` is scim_users, `a`
 * accounts; what is not a column is read from the stored resource document. Groups: `sg` is
 * scim_groups, `g` groups.
 */
const resourceText = (...path: string[]): Column => ({ kind: 'text', sql: `(su.resource #>> '{${path.join(',')}}')` });

const valueList = (attribute: string): Column => ({
  kind: 'multi',
  from: `jsonb_array_elements(case when jsonb_typeof(su.resource -> '${attribute}') = 'array' then su.resource -> '${attribute}' else '[]'::jsonb end) as v`,
  defaultSub: 'value',
  sub: {
    value: { kind: 'text', sql: "(v ->> 'value')" },
    type: { kind: 'text', sql: "(v ->> 'type')" },
    display: { kind: 'text', sql: "(v ->> 'display')" },
    primary: { kind: 'boolean', sql: "(v ->> 'primary')::boolean" },
  },
});

const USER_COLUMNS: Record<string, Column> = {
  id: { kind: 'text', sql: 'a.id::text', caseExact: true },
  externalId: { kind: 'text', sql: 'su.external_id', caseExact: true },
  userName: { kind: 'text', sql: 'su.user_name' },
  active: { kind: 'boolean', sql: "(a.status = 'active')" },
  'meta.created': { kind: 'dateTime', sql: 'su.created_at' },
  'meta.lastModified': { kind: 'dateTime', sql: 'su.updated_at' },
  emails: valueList('emails'),
  phoneNumbers: valueList('phoneNumbers'),
  groups: {
    kind: 'multi',
    from: 'group_members as gm join scim_groups as gsg on gsg.group_id = gm.group_id and gsg.directory_id = su.directory_id join groups as gg on gg.id = gm.group_id, lateral (select gm.group_id::text as value, gg.name as display) as v',
    where: 'gm.account_id = a.id',
    defaultSub: 'value',
    sub: { value: { kind: 'text', sql: 'v.value', caseExact: true }, display: { kind: 'text', sql: 'v.display' } },
  },
};

const GROUP_COLUMNS: Record<string, Column> = {
  id: { kind: 'text', sql: 'g.id::text', caseExact: true },
  externalId: { kind: 'text', sql: 'sg.external_id', caseExact: true },
  displayName: { kind: 'text', sql: 'g.name' },
  'meta.created': { kind: 'dateTime', sql: 'sg.created_at' },
  'meta.lastModified': { kind: 'dateTime', sql: 'sg.updated_at' },
  members: {
    kind: 'multi',
    from: 'group_members as gm, lateral (select gm.account_id::text as value) as v',
    where: 'gm.group_id = g.id and gm.account_id is not null',
    defaultSub: 'value',
    sub: { value: { kind: 'text', sql: 'v.value', caseExact: true }, type: { kind: 'text', sql: "'User'" } },
  },
};

function resolverFor(schemas: ResourceSchemas, columns: Record<string, Column>, fallback: (extension: string | undefined, attribute: string, sub?: string) => Column | undefined): ColumnResolver {
  return (path) => {
    const resolved = resolvePath(schemas, path);
    if (!resolved) return undefined;
    const key = resolved.subAttribute ? `${resolved.attribute}.${resolved.subAttribute}` : resolved.attribute;
    if (!resolved.extension && columns[key]) return columns[key];
    // emails.value and the like: the filter translator reads them through their multi-valued parent.
    if (resolved.subAttribute && columns[resolved.attribute]?.kind === 'multi') return undefined;
    // A complex attribute is compared through its sub-attributes (or a column above), never as a whole.
    if (resolved.definition?.type === 'complex') return undefined;
    return fallback(resolved.extension, resolved.attribute, resolved.subAttribute);
  };
}

export const userColumn = resolverFor(
  USER_SCHEMAS,
  USER_COLUMNS,
  (extension, attribute, sub) => {
    if (attribute === 'meta' || attribute === 'schemas' || attribute === 'password') return undefined;
    const path = [...(extension ? [extension] : []), attribute, ...(sub ? [sub] : [])];
    if (path.includes('primary')) return undefined;
    return resourceText(...path);
  },
);

export const groupColumn = resolverFor(
  GROUP_SCHEMAS,
  GROUP_COLUMNS,
  () => undefined,
);
