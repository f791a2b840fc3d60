import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './constants.js';

/** One attribute of a schema, as RFC 7643 §7 describes it (the members this server uses). */
export interface AttributeDefinition {
  name: string;
  type: 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex';
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
  description?: string;
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

const text = (name: string, description: string, extra: Partial<AttributeDefinition> = {}): AttributeDefinition => ({ name, type: 'string', description, ...extra });
const multiValued = (name: string, description: string): AttributeDefinition => ({
  name,
  type: 'complex',
  multiValued: true,
  description,
  subAttributes: [text('value', 'The value'), text('display', 'A human-readable name'), text('type', 'A label: work, home, other'), { name: 'primary', type: 'boolean', description: 'The preferred value' }],
});

/** RFC 7643 §4.1, the attributes this server stores. */
export const USER: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    text('userName', 'Unique identifier for the User within its directory', { required: true, uniqueness: 'server' }),
    {
      name: 'name',
      type: 'complex',
      description: 'The components of the user\'s name',
      subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((name) => text(name, name)),
    },
    text('displayName', 'The name of the User, suitable for display; becomes the account name'),
    text('nickName', 'The casual way to address the user'),
    { name: 'profileUrl', type: 'reference', referenceTypes: ['external'], description: 'A URI of the user\'s online profile' },
    text('title', 'The user\'s title'),
    text('userType', 'The relationship between the organization and the user'),
    text('preferredLanguage', 'Preferred written or spoken language'),
    text('locale', 'Default location for localization'),
    text('timezone', 'Time zone in the IANA database format'),
    { name: 'active', type: 'boolean', description: 'false disables the account and ends its sessions and tokens' },
    { name: 'password', type: 'string', mutability: 'writeOnly', returned: 'never', description: 'Not accepted: people set their own password from the invitation mail' },
    multiValued('emails', 'Email addresses; the primary (or work, or first) one is the account\'s address'),
    multiValued('phoneNumbers', 'Phone numbers'),
    {
      name: 'addresses',
      type: 'complex',
      multiValued: true,
      description: 'Physical mailing addresses',
      subAttributes: [...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map((name) => text(name, name)), { name: 'primary', type: 'boolean', description: 'The preferred address' }],
    },
    {
      name: 'groups',
      type: 'complex',
      multiValued: true,
      mutability: 'readOnly',
      description: 'The groups of this directory the user belongs to (change them through /Groups)',
      subAttributes: [text('value', 'The group id', { mutability: 'readOnly' }), text('display', 'The group name', { mutability: 'readOnly' })],
    },
  ],
};

/** RFC 7643 §4.3. */
export const ENTERPRISE_USER: SchemaDefinition = {
  id: ENTERPRISE_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    text('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person'),
    text('costCenter', 'Identifies the name of a cost center'),
    text('organization', 'Identifies the name of an organization'),
    text('division', 'Identifies the name of a division'),
    text('department', 'Identifies the name of a department'),
    {
      name: 'manager',
      type: 'complex',
      description: "The user's manager",
      subAttributes: [text('value', 'The id of the manager'), { name: '$ref', type: 'reference', referenceTypes: ['User'], description: 'The URI of the manager' }, text('displayName', 'The manager\'s name', { mutability: 'readOnly' })],
    },
  ],
};

/** RFC 7643 §4.2. Members are users of the same directory. */
export const GROUP: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    text('displayName', 'A human-readable name for the Group; unique on this server', { required: true, uniqueness: 'server' }),
    {
      name: 'members',
      type: 'complex',
      multiValued: true,
      description: 'A list of members of the Group (users of the same directory)',
      subAttributes: [text('value', 'The id of the member', { mutability: 'immutable' }), text('display', 'The member\'s name', { mutability: 'readOnly' }), text('type', 'User', { mutability: 'immutable' }), { name: '$ref', type: 'reference', referenceTypes: ['User'], description: 'The URI of the member', mutability: 'immutable' }],
    },
  ],
};

/** Attributes every resource has (RFC 7643 §3.1). */
const COMMON = ['id', 'externalId', 'meta', 'schemas'];
const META = ['resourceType', 'created', 'lastModified', 'location', 'version'];

export interface ResourceSchemas {
  core: SchemaDefinition;
  extensions: SchemaDefinition[];
}

export const USER_SCHEMAS: ResourceSchemas = { core: USER, extensions: [ENTERPRISE_USER] };
export const GROUP_SCHEMAS: ResourceSchemas = { core: GROUP, extensions: [] };

export interface ResolvedPath {
  /** The schema URN for an extension attribute, undefined for the core schema. */
  extension?: string;
  /** The attribute's canonical name, then its sub-attribute's, if any. */
  attribute: string;
  subAttribute?: string;
  definition?: AttributeDefinition;
}

/**
 * Resolves an attribute path (RFC 7644 §3.10: optional schema URN prefix, attribute, optional
 * sub-attribute; case-insensitive) against a resource's schemas. Undefined when it names nothing.
 */
export function resolvePath(schemas: ResourceSchemas, path: string): ResolvedPath | undefined {
  let rest = path;
  let schema = schemas.core;
  let extension: string | undefined;
  const lower = path.toLowerCase();
  for (const candidate of [schemas.core, ...schemas.extensions]) {
    if (lower.startsWith(`${candidate.id.toLowerCase()}:`)) {
      rest = path.slice(candidate.id.length + 1);
      schema = candidate;
      extension = candidate === schemas.core ? undefined : candidate.id;
    }
  }
  const [name, sub, ...more] = rest.split('.');
  if (more.length || !name) return undefined;
  if (!extension && schema === schemas.core) {
    const common = COMMON.find((attribute) => attribute.toLowerCase() === name.toLowerCase());
    if (common) {
      if (common !== 'meta') return sub === undefined ? { attribute: common } : undefined;
      const metaAttribute = sub === undefined ? undefined : META.find((attribute) => attribute.toLowerCase() === sub.toLowerCase());
      if (sub !== undefined && !metaAttribute) return undefined;
      return { attribute: 'meta', subAttribute: metaAttribute };
    }
  }
  const definition = schema.attributes.find((attribute) => attribute.name.toLowerCase() === name.toLowerCase());
  if (!definition) {
    // Entra names the enterprise manager without its URN ("path": "manager"): an attribute no core
    // attribute shares a name with is looked up in the extensions too.
    if (schema !== schemas.core) return undefined;
    for (const candidate of schemas.extensions) {
      const found = resolvePath(schemas, `${candidate.id}:${rest}`);
      if (found) return found;
    }
    return undefined;
  }
  if (sub === undefined) return { extension, attribute: definition.name, definition };
  const subDefinition = definition.subAttributes?.find((attribute) => attribute.name.toLowerCase() === sub.toLowerCase());
  if (!subDefinition) return undefined;
  return { extension, attribute: definition.name, subAttribute: subDefinition.name, definition: subDefinition };
}
