import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { problemSchema } from '../errors/problem-schema.js';
import { JSON_BODY_LIMIT_BYTES } from '../http/json-body.js';
import { batchAnswerSchema, batchCheckSchema, checkAnswerSchema, listAnswerSchema, listCheckSchema, MAX_BATCH, singleCheckSchema } from './check-schemas.js';

export const CHECK_PATH = '/api/authz/check';
export const CHECK_OPENAPI_PATH = '/api/authz/openapi.json';

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/**
 * The OpenAPI 3.1 document of the check API, generated from the zod schemas that validate its
 * requests (check-schemas.ts), like the admin API's (admin/openapi.ts).
 */
export function buildCheckOpenApiDocument(options: { issuer: string; audience: string }) {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Identity provider permission check API',
      version: '1',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description:
        'Ask whether a person or machine client holds a permission, optionally on one object, for one check, a batch, or a list of objects. ' +
        `Authenticate with a client-credentials access token for the audience ${options.audience} carrying authz:check. Errors are RFC 9457 problem details.`,
    },
    servers: [{ url: options.issuer }],
    paths: {
      [CHECK_PATH]: {
        post: {
          operationId: 'check',
          tags: ['check'],
          summary: 'One check, a batch of checks (`checks`), or a list of objects (`object_type`)',
          description: 'The form is told apart by its fields: `checks` makes a batch, `object_type` a list, anything else a single check.',
          security: [{ checkToken: ['authz:check'] }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: z.union([singleCheckSchema, batchCheckSchema, listCheckSchema]) } },
          },
          responses: {
            '200': {
              description: 'The answer: a CheckAnswer, a CheckBatchAnswer (for `checks`) or a CheckListAnswer (for `object_type`)',
              content: { 'application/json': { schema: z.union([checkAnswerSchema, batchAnswerSchema, listAnswerSchema]) } },
            },
            '400': problem(`Invalid input (more than ${MAX_BATCH} checks, a malformed subject or object, broken JSON…); \`field\` names the first field at fault`),
            '401': problem('No valid bearer token for the check API'),
            '403': problem('The token lacks authz:check'),
            '413': problem(`The body is larger than ${JSON_BODY_LIMIT_BYTES} bytes`),
            '415': problem('The body is not application/json'),
            '429': problem('Over the per-client request limit (API_REQUESTS_PER_CLIENT_PER_MINUTE); Retry-After says when to try again'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        checkToken: {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: `${options.issuer}/token`, scopes: { 'authz:check': 'Ask permission questions' } } },
        },
      },
    },
  });
}
