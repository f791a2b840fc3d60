import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** One operation of an OpenAPI 3.1 document, as the fuzz suite needs it. */
export interface Operation {
  api: string;
  method: string;
  /** The document's path template, e.g. /admin/api/v1/roles/{roleId}. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema; required: boolean }[];
  body?: JsonSchema;
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
        responses,
        writes: method !== 'get' && !readOnly(method, path),
      });
    }
  }
  return operations;
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
