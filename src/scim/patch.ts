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
      // Entra removes members by listing them ({"value": id, "$ref": null}); values are matched by
      // their `value`, not as whole objects, so each becomes a remove with a value filter.
      const target = resolvePath(schemas, path.trim());
      if (kind === 'remove' && value !== undefined && target?.definition?.multiValued && !path.includes('[')) {
        for (const item of Array.isArray(value) ? value : [value]) {
          if (!isObject(item) || typeof item.value !== 'string') throw invalidValue(`each value to remove from ${path} needs its "value"`);
          normalized.push({ op: 'remove', path: `${path.trim()}[value eq ${JSON.stringify(item.value)}]` });
        }
        continue;
      }
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

/**
 * The path with canonical attribute names and the schema URN an extension attribute needs: the
 * library matches names exactly, while SCIM names are case-insensitive and Entra leaves the URN off.
 */
function canonicalPath(schemas: ResourceSchemas, path: string): string {
  const match = /^(.+?)(\[.*\])?(?:\.([A-Za-z$][\w$-]*))?$/s.exec(path);
  if (!match) return path;
  const [, head, filter, sub] = match;
  const resolved = resolvePath(schemas, sub ? `${head}.${sub}` : head);
  if (!resolved) return path;
  const name = `${resolved.extension ? `${resolved.extension}:` : ''}${resolved.attribute}`;
  return `${name}${filter ?? ''}${resolved.subAttribute ? `.${resolved.subAttribute}` : ''}`;
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
