import { parse as parseFilter } from 'scim2-parse-filter';
import { scimPatch, ScimError as PatchLibraryError, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { MAX_OPERATIONS, PATCH_OP } from './constants.js';
import { invalidPath, invalidSyntax, invalidValue, ScimError, tooLarge } from './errors.js';
import { resolvePath, type ResourceSchemas } from './schemas.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** Attributes a PATCH may not change (RFC 7643 §3.1 and §7): ignored in a value, refused as a path. */
const READ_ONLY = new Set(['id', 'meta', 'schemas', 'groups']);

/**
 * Checks an operation's path (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`,
 * each with an optional schema URN, naming an attribute of the resource's schemas.
 */
function checkPath(schemas: ResourceSchemas, path: string): void {
  const match = /^(.+?)(?:\[(.*)\])?(?:\.([A-Za-z$][\w$-]*))?$/s.exec(path.trim());
  if (!match) throw invalidPath(`${path} is not an attribute path`);
  const [, attribute, filter, sub] = match;
  if (attribute.includes('[') || attribute.includes(']')) throw invalidPath(`${path} is not an attribute path`);
  const resolved = resolvePath(schemas, sub ? `${attribute}.${sub}` : attribute);
  if (!resolved) throw invalidPath(`${path} names no attribute of this resource`);
  if (READ_ONLY.has(resolved.attribute) || resolved.definition?.mutability === 'readOnly') throw new ScimError(400, 'mutability', `${resolved.attribute} cannot be changed`);
  if (filter !== undefined) {
    if (!resolvePath(schemas, attribute)?.definition?.multiValued) throw invalidPath(`${attribute} is not multi-valued, so it takes no filter`);
    try {
      parseFilter(filter);
    } catch {
      throw invalidPath(`the filter in ${path} is not valid`);
    }
  }
}

/**
 * Normalises what Entra and Okta send before the library applies it: `op` in any case ("Replace",
 * "ADD"), and an operation without a path whose value names several attributes (some clients send
 * dotted or URN-prefixed keys there) becomes one operation per attribute.
 */
function normalizeOperations(schemas: ResourceSchemas, body: unknown): ScimPatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('the request body must be a PatchOp message');
  const messageSchemas = body.schemas;
  if (!Array.isArray(messageSchemas) || !messageSchemas.some((schema) => typeof schema === 'string' && schema.toLowerCase() === PATCH_OP.toLowerCase())) {
    throw invalidSyntax(`schemas must list ${PATCH_OP}`);
  }
  const operations = Object.entries(body).find(([key]) => key.toLowerCase() === 'operations')?.[1];
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('Operations must be a non-empty array');
  if (operations.length > MAX_OPERATIONS) throw tooLarge(`a PATCH carries at most ${MAX_OPERATIONS} operations`);
  const normalized: ScimPatchOperation[] = [];
  for (const operation of operations) {
    if (!isObject(operation)) throw invalidSyntax('each operation must be an object');
    const field = (name: string) => Object.entries(operation).find(([key]) => key.toLowerCase() === name)?.[1];
    const op = field('op');
    const path = field('path');
    const value = field('value');
    if (typeof op !== 'string' || !['add', 'remove', 'replace'].includes(op.toLowerCase())) throw invalidSyntax(`op must be add, remove or replace`);
    const kind = op.toLowerCase() as 'add' | 'remove' | 'replace';
    if (path !== undefined && path !== null && (typeof path !== 'string' || !path.trim())) throw invalidPath('path must be a non-empty string');
    if (typeof path === 'string') {
      checkPath(schemas, path);
      if (kind !== 'remove' && value === undefined) throw invalidSyntax(`${op} needs a value`);
      normalized.push({ op: kind, path: path.trim(), ...(value !== undefined ? { value } : {}) } as ScimPatchOperation);
      continue;
    }
    if (kind === 'remove') throw new ScimError(400, 'noTarget', 'remove needs a path');
    if (!isObject(value)) throw invalidSyntax(`${op} without a path needs an object value`);
    for (const [key, attributeValue] of Object.entries(value)) {
      if (READ_ONLY.has(key) || key.toLowerCase() === 'schemas') continue;
      const resolvedExtension = schemas.extensions.find((extension) => extension.id.toLowerCase() === key.toLowerCase());
      if (resolvedExtension && isObject(attributeValue)) {
        for (const [name, extensionValue] of Object.entries(attributeValue)) {
          checkPath(schemas, `${resolvedExtension.id}:${name}`);
          normalized.push({ op: kind, path: `${resolvedExtension.id}:${name}`, value: extensionValue });
        }
        continue;
      }
      if (key.toLowerCase() === 'externalid') {
        normalized.push({ op: kind, path: 'externalId', value: attributeValue });
        continue;
      }
      checkPath(schemas, key);
      normalized.push({ op: kind, path: key, value: attributeValue });
    }
  }
  return normalized;
}

/** Lower-cases nothing but the library needs canonical attribute names: rename the resource's keys to the paths' case. */
function canonicalPath(schemas: ResourceSchemas, path: string): string {
  const match = /^([^[.]+)(.*)$/s.exec(path);
  if (!match) return path;
  const [, head, rest] = match;
  const extension = schemas.extensions.find((candidate) => head.toLowerCase().startsWith(`${candidate.id.toLowerCase()}:`));
  const core = head.toLowerCase().startsWith(`${schemas.core.id.toLowerCase()}:`) ? schemas.core.id : undefined;
  const prefix = extension?.id ?? core;
  const name = prefix ? head.slice(prefix.length + 1) : head;
  const resolved = resolvePath(schemas, prefix ? `${prefix}:${name}` : name);
  const canonicalName = resolved ? resolved.attribute : name;
  const sub = /^(\[.*\])?\.([A-Za-z$][\w$-]*)$/s.exec(rest);
  let tail = rest;
  if (sub && resolved) {
    const subResolved = resolvePath(schemas, `${prefix ? `${prefix}:` : ''}${canonicalName}.${sub[2]}`);
    if (subResolved?.subAttribute) tail = `${sub[1] ?? ''}.${subResolved.subAttribute}`;
  }
  return `${extension ? `${extension.id}:` : ''}${canonicalName}${tail}`;
}

/**
 * Applies a PATCH request (RFC 7644 §3.5.2) to a resource as the client last saw it, with the
 * scim-patch library, and returns the new document; nothing is stored here. Every operation is
 * checked before any is applied, so a bad one anywhere changes nothing.
 */
export function applyPatch(schemas: ResourceSchemas, resource: Json, body: unknown): Json {
  const operations = normalizeOperations(schemas, body).map((operation) =>
    operation.path ? ({ ...operation, path: canonicalPath(schemas, operation.path) } as ScimPatchOperation) : operation,
  );
  try {
    return scimPatch(structuredClone(resource) as unknown as ScimResource, operations, { mutateDocument: true, treatMissingAsAdd: true }) as unknown as Json;
  } catch (error) {
    if (error instanceof PatchLibraryError) {
      const scimType = error.scimCode === 'noTarget' ? 'noTarget' : 'invalidValue';
      throw new ScimError(400, scimType, error.message);
    }
    // The library is pure: whatever else it throws comes from a value it could not apply.
    throw invalidValue('an operation could not be applied to this resource');
  }
}
