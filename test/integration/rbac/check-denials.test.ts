import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiClient, bootstrapAdmin, machineToken, type ApiClient } from '../../support/admin.js';
import { defineApi, defineRole, TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const DOCS = 'https://docs.example.com';

describe('POST /api/authz/check with AUDIT_PERMISSION_DENIALS=true', () => {
  let server: TestServer;
  let checker: ApiClient;
  let alice: string;

  const check = (body: unknown) => checker.call('POST', '/api/authz/check', body);
  const denials = () => server.container.db('events').where({ type: 'authz.check_denied' }).orderBy('id');

  beforeAll(async () => {
    server = await startTestServer({ env: { AUDIT_PERMISSION_DENIALS: 'true' } });
    const { container } = server;
    const admin = await bootstrapAdmin(server);
    checker = apiClient(server, admin.clientId, await machineToken(server, admin.clientId, admin.secret, container.systemApis.authz.identifier));
    const { ids } = await defineApi(container, DOCS, ['document:read', 'document:write']);
    alice = (await container.accounts.createAccount({ email: 'alice@example.com' })).id;
    const reader = await defineRole(container, 'reader', [ids['document:read']]);
    await container.roles.assign(reader.id, { type: 'account', id: alice }, TEST_ACTOR);
  });
  afterAll(() => server.close());

  it('records a denied check with the caller, the subject, the question and the reason', async () => {
    const response = await check({ subject: `account:${alice}`, permission: 'document:write', object: 'document:7', resource: DOCS });
    expect(response.body).toEqual({ allowed: false, reason: 'no_permission' });
    const events = await denials();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'failure',
      actor_type: 'client',
      actor_id: checker.clientId,
      client_id: checker.clientId,
      account_id: alice,
      ip: '127.0.0.1',
      request_id: response.headers.get('x-request-id'),
      detail: { subject: `account:${alice}`, permission: 'document:write', object: 'document:7', resource: DOCS, reason: 'no_permission' },
    });
  });

  it('records nothing for an allowed check, nor for the list form', async () => {
    const before = (await denials()).length;
    expect((await check({ subject: `account:${alice}`, permission: 'document:read' })).body.allowed).toBe(true);
    expect((await check({ subject: `account:${alice}`, permission: 'document:write', object_type: 'document' })).body).toMatchObject({ all: false, objects: [] });
    expect(await denials()).toHaveLength(before);
  });

  it('records each denial of a batch, and none of its allowed checks', async () => {
    const before = (await denials()).length;
    const unknown = 'account:00000000-0000-4000-8000-000000000000';
    const response = await check({
      checks: [
        { subject: `account:${alice}`, permission: 'document:read' },
        { subject: unknown, permission: 'document:read' },
        { subject: `client:${checker.clientId}`, permission: 'document:write' },
      ],
    });
    expect(response.body.results.map((result: { allowed: boolean }) => result.allowed)).toEqual([true, false, false]);
    const added = (await denials()).slice(before);
    expect(added.map((event) => [event.account_id, event.detail])).toEqual([
      ['00000000-0000-4000-8000-000000000000', { subject: unknown, permission: 'document:read', reason: 'subject_not_active' }],
      [null, { subject: `client:${checker.clientId}`, permission: 'document:write', reason: 'no_permission' }],
    ]);
  });

  it('records nothing for a request refused before any check (400)', async () => {
    const before = (await denials()).length;
    expect((await check({ subject: 'alice', permission: 'document:read' })).status).toBe(400);
    expect(await denials()).toHaveLength(before);
  });
});
