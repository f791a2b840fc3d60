import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootstrapAdmin, type ApiClient } from '../../support/admin.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/** The findings of the API fuzz suite (issue 23), each pinned by a request that once broke the contract. */
describe('API fuzz findings', () => {
  const V1 = '/admin/api/v1';
  let server: TestServer;
  let admin: ApiClient;
  let document: any;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await bootstrapAdmin(server);
    document = await (await fetch(`${server.issuer}/admin/api/openapi.json`)).json();
  });
  afterAll(() => server.close());

  it('POST and PATCH /connections refuse an unparsable URL with a 400 naming the field (was a 500: Invalid URL from new URL())', async () => {
    const created = await admin.call('POST', `${V1}/connections`, { preset: 'github', slug: 'gh', client_id: 'x' });
    expect(created.status).toBe(201);
    for (const value of ['not a url', 'https://', 'http://[::1', 'https://ex ample.com']) {
      const post = await admin.call('POST', `${V1}/connections`, { slug: 'broken', client_id: 'x', issuer: value });
      expect(post).toMatchObject({ status: 400, body: { field: 'issuer' } });
      const patch = await admin.call('PATCH', `${V1}/connections/${created.body.id}`, { token_endpoint: value });
      expect(patch).toMatchObject({ status: 400, body: { field: 'token_endpoint' } });
    }
    expect((await admin.call('GET', `${V1}/connections`)).body.items.map((item: { slug: string }) => item.slug)).toEqual(['gh']);
  });

  it('a {clientId} holding NUL is a 400 naming clientId, on every operation that has one (was a 500 from PostgreSQL)', async () => {
    const role = await admin.call('POST', `${V1}/roles`, { name: 'nul-probe' });
    const operations = Object.entries<Record<string, unknown>>(document.paths)
      .filter(([path]) => path.includes('{clientId}'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
    expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toEqual(
      expect.arrayContaining([`GET ${V1}/clients/{clientId}`, `GET ${V1}/clients/{clientId}/connections`, `PUT ${V1}/clients/{clientId}/roles/{roleId}`, `DELETE ${V1}/clients/{clientId}/roles/{roleId}`]),
    );
    for (const { method, path } of operations) {
      const url = path.replace('{clientId}', 'x%00').replace('{roleId}', role.body.id);
      const body = method === 'PATCH' ? { name: 'x' } : method === 'PUT' && path.endsWith('/connections') ? { connection_ids: null } : undefined;
      const answer = await admin.call(method, url, body);
      expect({ method, path, status: answer.status, field: answer.body?.field }).toEqual({ method, path, status: 400, field: 'clientId' });
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(document.paths[path][method.toLowerCase()].responses['400']).toBeDefined();
    }
  });

  it('a body over 64 KiB is a 413 that the document declares, on every operation that takes a body (PATCH accounts, groups, roles, resources, connections were undeclared)', async () => {
    const withBody = Object.entries<Record<string, any>>(document.paths).flatMap(([path, item]) =>
      Object.entries(item).filter(([, operation]) => operation.requestBody).map(([method, operation]) => ({ method, path, operation })),
    );
    expect(withBody.length).toBeGreaterThan(20);
    for (const { method, path, operation } of withBody) expect({ method, path, declared: Object.keys(operation.responses) }).toEqual({ method, path, declared: expect.arrayContaining(['413', '415']) });

    const huge = { name: 'x'.repeat(70 * 1024) };
    for (const collection of ['accounts', 'groups', 'roles', 'resources', 'connections']) {
      const answer = await admin.call('PATCH', `${V1}/${collection}/00000000-0000-4000-8000-000000000000`, huge);
      expect({ collection, status: answer.status, type: answer.headers.get('content-type') }).toEqual({ collection, status: 413, type: expect.stringContaining('application/problem+json') });
    }
  });

  it('POST /roles that names an unknown permission creates no role (was created before the request failed)', async () => {
    const answer = await admin.call('POST', `${V1}/roles`, { name: 'half-written', permission_ids: ['1fff6d03-dddb-4601-b02b-f3526109f0db'] });
    expect(answer.status).toBe(404);
    const roles = await admin.call('GET', `${V1}/roles?limit=200`);
    expect(roles.body.items.map((role: { name: string }) => role.name)).not.toContain('half-written');
    expect(document.paths[`${V1}/roles`].post.responses['404']).toBeDefined();
  });
});
