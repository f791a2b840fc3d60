import { z } from 'zod';
import { AppError, conflict, notFound } from '../errors/app-error.js';
import { newUuid } from '../shared/ids.js';
import type { ApiResourceRow, ResourceQueries } from './queries.js';

/** The longest access-token lifetime a resource may ask for; signing keys are kept at least this long. */
export const MAX_RESOURCE_TOKEN_TTL = 86_400;

const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'a scope token without spaces or quotes');
const resourceSchema = z.object({
  identifier: z.url().refine((value) => !value.includes('#'), 'must not contain a fragment'),
  name: z.string().trim().min(1).max(120).optional(),
  scopes: z.array(scopeToken).max(200).default([]),
  accessTokenTtl: z.number().int().positive().max(MAX_RESOURCE_TOKEN_TTL).optional(),
  tokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
});

export type ResourceInput = z.input<typeof resourceSchema>;

/** API resources (RFC 8707 resource indicators): who may be the audience of an access token. */
export function createResourceService(deps: { queries: ResourceQueries }) {
  const { queries } = deps;
  return {
    findByIdentifier: (identifier: string) => queries.findResourceByIdentifier(identifier),
    listResources: () => queries.listResources(),
    async createResource(input: ResourceInput): Promise<ApiResourceRow> {
      const parsed = resourceSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError('INVALID_RESOURCE', 400, `${issue.path.join('.')}: ${issue.message}`, { details: { field: issue.path.join('.') } });
      }
      const value = parsed.data;
      if (await queries.findResourceByIdentifier(value.identifier)) throw conflict('a resource with this identifier already exists');
      return queries.insertResource({
        id: newUuid(),
        identifier: value.identifier,
        name: value.name ?? value.identifier,
        scopes: [...new Set(value.scopes)],
        access_token_ttl: value.accessTokenTtl ?? null,
        token_format: value.tokenFormat,
      });
    },
    async deleteResource(identifier: string): Promise<void> {
      if (!(await queries.deleteResource(identifier))) throw notFound('no resource with this identifier');
    },
  };
}

export type ResourceService = ReturnType<typeof createResourceService>;
