import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RequestCase } from './cases.js';

/** One operation of an OpenAPI 3.1 document, as the fuzz suite needs it. */
export interface Operation {
  api: string;
  method: string;
  /** The document's path template, e.g. /admin/api/v1/roles/{roleId}. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema; required: boolean }[];
  body?: JsonSchema;
  /**
   * Every property name the request body schema declares, at any depth, its `$ref`s followed: a
   * refusal may name one of them (a required field the request left out) as well as a part the
   * request holds.
   */
  bodyFields: Set<string>;
  /** status → the JSON Schema of its JSON body (null: a body-less or non-JSON answer). */
  responses: Record<string, { json: string | null; problem: boolean }>;
  /** Whether it changes anything (POST /api/authz/check only asks). */
  writes: boolean;
}

export type JsonSchema = Record<string, unknown>;

interface Document {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Every operation of a document, with the places of its response schemas (validated by `validatorFor`). */
export function operationsOf(api: string, document: Document, readOnly: (method: string, path: string) => boolean = () => false): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS.filter((name) => item[name])) {
      const operation = item[method];
      const parameters: any[] = operation.parameters ?? [];
      const responses: Operation['responses'] = {};
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        const content = response.content ?? {};
        responses[status] = {
          json: content['application/json'] ? `#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}` : null,
          problem: Boolean(content['application/problem+json']),
        };
      }
      operations.push({
        api,
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        query: parameters.filter((parameter) => parameter.in === 'query').map((parameter) => ({ name: parameter.name, schema: parameter.schema, required: Boolean(parameter.required) })),
        body: operation.requestBody?.content?.['application/json']?.schema,
        bodyFields: propertyNames(operation.requestBody?.content?.['application/json']?.schema, document),
        responses,
        writes: method !== 'get' && !readOnly(method, path),
      });
    }
  }
  return operations;
}

/** The property names a schema declares anywhere inside it, following its `$ref`s into the document's components. */
function propertyNames(schema: unknown, document: Document, names = new Set<string>(), seen = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) propertyNames(item, document, names, seen);
    return names;
  }
  if (schema === null || typeof schema !== 'object') return names;
  const node = schema as Record<string, unknown>;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/components/schemas/') && !seen.has(node.$ref)) {
    seen.add(node.$ref);
    propertyNames(document.components?.schemas?.[node.$ref.slice('#/components/schemas/'.length)], document, names, seen);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object') for (const name of Object.keys(value)) names.add(name);
    propertyNames(value, document, names, seen);
  }
  return names;
}

/**
 * Validates answers against a document's own schemas: the document is added whole (its `$ref`s point
 * into its components) and each response schema is reached by its JSON pointer.
 */
export function validatorFor(id: string, document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: id });
  const cache = new Map<string, ValidateFunction>();
  return (ref: string, value: unknown): string | undefined => {
    let validate = cache.get(ref);
    if (!validate) {
      validate = ajv.getSchema(`${id}${ref}`);
      if (!validate) throw new Error(`no schema at ${ref}`);
      cache.set(ref, validate);
    }
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
}

/** A schema of the document with its components alongside, so generators can follow its `$ref`s. */
export const withComponents = (schema: JsonSchema, document: Document): JsonSchema => ({ ...schema, components: document.components });

/**
 * Whether a refused field is a part of the request: a field the request's body holds or the
 * operation's body schema declares (a required one left out is named too), a query parameter, a path
 * parameter, or the body as a whole (''). Any other name fails the contract.
 */
export function namesRequestPart(field: string, operation: Operation, request: Pick<RequestCase, 'query' | 'body'>): boolean {
  if (field === '' || field === 'path') return true;
  const head = field.split('.')[0];
  const camel = head.replace(/_(\w)/g, (_match, letter: string) => letter.toUpperCase());
  const queryNames = new URLSearchParams(request.query).keys();
  const names = new Set<string>([...operation.pathParams, ...operation.query.map((parameter) => parameter.name), ...queryNames]);
  let body: unknown;
  try {
    body = request.body ? JSON.parse(request.body) : undefined;
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object') for (const key of Object.keys(body)) names.add(key);
  return names.has(head) || names.has(camel) || operation.bodyFields.has(head);
}
