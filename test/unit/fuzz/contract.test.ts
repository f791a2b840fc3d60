import { describe, expect, it } from '@jest/globals';
import { namesRequestPart, operationsOf } from '../../support/fuzz/contract.js';

/** The fuzz judge's rule for the field a 400 names (test/integration/fuzz/api-contract.test.ts). */
describe('fuzz contract: the field a 400 may name', () => {
  const document = {
    paths: {
      '/api/authz/check': {
        post: {
          requestBody: { content: { 'application/json': { schema: { anyOf: [{ $ref: '#/components/schemas/Check' }, { $ref: '#/components/schemas/CheckBatch' }] } } } },
          responses: { '200': {}, '400': {} },
        },
      },
      '/roles/{roleId}': {
        patch: { parameters: [{ in: 'path', name: 'roleId' }, { in: 'query', name: 'limit', schema: {} }], responses: { '200': {} } },
      },
    },
    components: {
      schemas: {
        Check: { type: 'object', required: ['subject', 'permission'], properties: { subject: { type: 'string' }, permission: { type: 'string' } } },
        CheckBatch: { type: 'object', properties: { checks: { type: 'array', items: { $ref: '#/components/schemas/Check' } } } },
      },
    },
  };
  const [check, patchRole] = operationsOf('test', document);

  it('accepts a required field the request left out, as the body schema declares it through its $refs', () => {
    expect(namesRequestPart('subject', check, { query: '', body: '{}' })).toBe(true);
    expect(namesRequestPart('checks.0.permission', check, { query: '', body: '{}' })).toBe(true);
  });

  it('accepts what the request holds: body keys, query parameters, path parameters, the whole body', () => {
    expect(namesRequestPart('stray', check, { query: '', body: '{"stray":1}' })).toBe(true);
    expect(namesRequestPart('extra', patchRole, { query: 'extra=1', body: undefined })).toBe(true);
    expect(namesRequestPart('roleId', patchRole, { query: '', body: undefined })).toBe(true);
    expect(namesRequestPart('limit', patchRole, { query: '', body: undefined })).toBe(true);
    expect(namesRequestPart('', check, { query: '', body: 'not json' })).toBe(true);
  });

  it('refuses a name that is neither in the request nor declared by the operation', () => {
    expect(namesRequestPart('object', check, { query: '', body: '{}' })).toBe(false);
    expect(namesRequestPart('subject', patchRole, { query: '', body: '{}' })).toBe(false);
    expect(namesRequestPart('Check', check, { query: '', body: '{}' })).toBe(false);
  });
});
