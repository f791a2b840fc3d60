import { invalidPath } from './errors.js';
import { resolvePath, type ResolvedPath, type ResourceSchemas } from './schemas.js';

type Json = Record<string, unknown>;

/** Attributes returned whatever `attributes` says (RFC 7643 §7 "returned: always"). */
const ALWAYS = ['id', 'schemas'];

function resolveAll(schemas: ResourceSchemas, list: string[]): ResolvedPath[] {
  return list.map((path) => {
    const resolved = resolvePath(schemas, path);
    if (!resolved) throw invalidPath(`${path} names no attribute of this resource`);
    return resolved;
  });
}

const holderOf = (resource: Json, path: ResolvedPath) => (path.extension ? (resource[path.extension] as Json | undefined) : resource);

/** Copies one attribute (or sub-attribute, from each value of a multi-valued one) from `source` into `target`. */
function copy(source: Json, target: Json, path: ResolvedPath): void {
  const from = holderOf(source, path);
  if (!from || from[path.attribute] === undefined) return;
  const into = path.extension ? ((target[path.extension] ??= {}) as Json) : target;
  const value = from[path.attribute];
  if (!path.subAttribute) {
    into[path.attribute] = value;
    return;
  }
  const sub = path.subAttribute;
  const pick = (item: unknown) => (typeof item === 'object' && item !== null ? (item as Json)[sub] : undefined);
  if (Array.isArray(value)) {
    const existing = (Array.isArray(into[path.attribute]) ? into[path.attribute] : value.map(() => ({}))) as Json[];
    into[path.attribute] = existing.map((item, index) => ({ ...item, ...(pick(value[index]) !== undefined ? { [sub]: pick(value[index]) } : {}) }));
  } else if (typeof value === 'object' && value !== null) {
    into[path.attribute] = { ...((into[path.attribute] as Json | undefined) ?? {}), ...(pick(value) !== undefined ? { [sub]: pick(value) } : {}) };
  }
}

function remove(resource: Json, path: ResolvedPath): void {
  if (ALWAYS.includes(path.attribute)) return;
  const holder = holderOf(resource, path);
  if (!holder) return;
  if (!path.subAttribute) {
    delete holder[path.attribute];
  } else {
    const value = holder[path.attribute];
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) if (typeof item === 'object' && item !== null) delete (item as Json)[path.subAttribute];
  }
  if (path.extension && Object.keys(holder).length === 0) delete resource[path.extension];
}

/**
 * The `attributes` and `excludedAttributes` parameters (RFC 7644 §3.4.2.5) applied to a rendered
 * resource. An unknown attribute name is a 400 invalidPath rather than silently nothing.
 */
export function projection(schemas: ResourceSchemas, attributes: string[] | undefined, excluded: string[] | undefined) {
  const wanted = attributes?.length ? resolveAll(schemas, attributes) : undefined;
  const unwanted = excluded?.length ? resolveAll(schemas, excluded) : [];
  return {
    /** Whether the resource's `attribute` will be shown at all (the caller may skip loading it). */
    shows(attribute: string): boolean {
      if (wanted) return wanted.some((path) => path.attribute === attribute);
      return !unwanted.some((path) => path.attribute === attribute && !path.subAttribute);
    },
    apply(resource: Json): Json {
      if (wanted) {
        const result: Json = {};
        for (const name of ALWAYS) if (resource[name] !== undefined) result[name] = resource[name];
        for (const path of wanted) copy(resource, result, path);
        return result;
      }
      if (!unwanted.length) return resource;
      const result = structuredClone(resource);
      for (const path of unwanted) remove(result, path);
      return result;
    },
  };
}

export type Projection = ReturnType<typeof projection>;
