import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiClient, bootstrapAdmin, machineToken, type ApiClient } from '../../support/admin.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('admin and check API limits per client', () => {
  let server: TestServer;
  let admin: ApiClient & { secret: string };

  beforeAll(async () => {
    server = await startTestServer({ env: { API_REQUESTS_PER_CLIENT_PER_MINUTE: '3' } });
    admin = await bootstrapAdmin(server);
  });
  afterAll(() => server.close());

  it('answers the admin API with 429, Retry-After and a problem body once a client is over its limit', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await admin.call('GET', '/admin/api/v1/groups')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await admin.call('GET', '/admin/api/v1/groups');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(limited.body).toMatchObject({ type: 'urn:idp:error:rate-limited', status: 429 });
  });

  it('counts the check API separately, per client', async () => {
    const token = await machineToken(server, admin.clientId, admin.secret, server.container.systemApis.authz.identifier);
    const checker = apiClient(server, admin.clientId, token);
    const check = () => checker.call('POST', '/api/authz/check', { subject: `client:${admin.clientId}`, permission: 'nothing:here' });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await check()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
