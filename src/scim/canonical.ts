import { invalidValue } from './errors.js';
import type { AttributeDefinition, ResourceSchemas } from './schemas.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7643 §2.1: attribute names are case-insensitive. Entra sends "False" for a boolean too. */
function canonicalValue(definition: AttributeDefinition, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (definition.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => canonicalSingle(definition, item, path)).filter((item) => item !== undefined);
  }
  // Entra sends a single-valued reference (manager) as a list of one.
  if (Array.isArray(value) && value.length === 1) return canonicalSingle(definition, value[0], path);
  return canonicalSingle(definition, value, path);
}

function canonicalSingle(definition: AttributeDefinition, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (definition.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw invalidValue(`${path} must be true or false`);
    case 'complex': {
      // Entra sends a manager as its bare id; a complex value given as a string is its `value`.
      const object = typeof value === 'string' && definition.subAttributes?.some((sub) => sub.name === 'value') ? { value } : value;
      if (!isObject(object)) throw invalidValue(`${path} must be an object`);
      return canonicalObject(definition.subAttributes ?? [], object, path);
    }
    default:
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      throw invalidValue(`${path} must be a string`);
  }
}

function canonicalObject(attributes: AttributeDefinition[], input: Json, prefix: string): Json {
  const output: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const definition = attributes.find((attribute) => attribute.name.toLowerCase() === key.toLowerCase());
    // Unknown and read-only attributes in a resource body are ignored (RFC 7644 §3.3, §3.5.1).
    if (!definition || definition.mutability === 'readOnly' || definition.mutability === 'writeOnly') continue;
    const canonical = canonicalValue(definition, value, prefix ? `${prefix}.${definition.name}` : definition.name);
    if (canonical !== undefined && !(Array.isArray(canonical) && canonical.length === 0)) output[definition.name] = canonical;
  }
  return output;
}

/**
 * A resource body reduced to the attributes of its schemas, with canonical names and types: what
 * is stored and returned. `id`, `meta`, `schemas` and read-only attributes are dropped; `externalId`
 * is kept. Extension attributes are kept under their schema URN.
 */
export function canonicalResource(schemas: ResourceSchemas, input: unknown): Json {
  if (!isObject(input)) throw invalidValue('the request body must be a JSON object');
  const core = canonicalObject(schemas.core.attributes, input, '');
  const externalId = Object.entries(input).find(([key]) => key.toLowerCase() === 'externalid')?.[1];
  if (externalId !== undefined && externalId !== null) {
    if (typeof externalId !== 'string') throw invalidValue('externalId must be a string');
    core.externalId = externalId;
  }
  for (const extension of schemas.extensions) {
    const entry = Object.entries(input).find(([key]) => key.toLowerCase() === extension.id.toLowerCase());
    if (entry === undefined || entry[1] === null) continue;
    if (!isObject(entry[1])) throw invalidValue(`${extension.id} must be an object`);
    const values = canonicalObject(extension.attributes, entry[1], extension.id);
    if (Object.keys(values).length) core[extension.id] = values;
  }
  return core;
}
