import { ENTERPRISE_SCHEMA } from './constants.js';
import { resolvePath, USER_SCHEMAS, type ResolvedPath } from './schemas.js';

type Json = Record<string, unknown>;

export interface AttributeMapping {
  /** SCIM path → custom attribute name, as configured. */
  entries: { path: string; attribute: string }[];
  /** The custom attribute values a User carries; an attribute the User lacks is null (removed). */
  valuesOf(resource: Json): Record<string, string | null>;
}

/**
 * Parses SCIM_ATTRIBUTE_MAPPING: `scimPath=attribute` pairs, comma-separated. A path names a core
 * User attribute (`title`, `name.givenName`) or an enterprise one (`department`, `manager`, or with
 * its full URN); a complex one (manager) maps its `value`. Throws naming the variable on a bad entry.
 */
export function parseAttributeMapping(setting: string): AttributeMapping {
  const entries: { path: string; attribute: string; resolved: ResolvedPath }[] = [];
  for (const pair of setting.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [path, attribute, ...rest] = pair.split('=').map((part) => part.trim());
    if (!path || !attribute || rest.length) throw new Error(`SCIM_ATTRIBUTE_MAPPING: "${pair}" is not scimPath=attribute`);
    const resolved = resolvePath(USER_SCHEMAS, path) ?? resolvePath(USER_SCHEMAS, `${ENTERPRISE_SCHEMA}:${path}`);
    const mappable = resolved && resolved.attribute !== 'meta' && !['id', 'schemas', 'active', 'emails', 'phoneNumbers', 'addresses', 'groups', 'password'].includes(resolved.attribute);
    if (!resolved || !mappable) throw new Error(`SCIM_ATTRIBUTE_MAPPING: ${path} is not a User attribute that can be mapped`);
    entries.push({ path, attribute, resolved });
  }
  return {
    entries: entries.map(({ path, attribute }) => ({ path, attribute })),
    valuesOf(resource) {
      const values: Record<string, string | null> = {};
      for (const { attribute, resolved } of entries) {
        const holder = (resolved.extension ? resource[resolved.extension] : resource) as Json | undefined;
        let value = holder?.[resolved.attribute];
        if (resolved.subAttribute) value = (value as Json | undefined)?.[resolved.subAttribute];
        else if (typeof value === 'object' && value !== null) value = (value as Json).value;
        values[attribute] = typeof value === 'string' && value !== '' ? value : null;
      }
      return values;
    },
  };
}
