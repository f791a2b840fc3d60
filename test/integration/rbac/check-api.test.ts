import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildServices } from '../../../src/container.js';
import type { Clock } from '../../../src/shared/clock.js';
import { adminWith, apiClient, bootstrapAdmin, machineToken, type ApiClient } from '../../support/admin.js';
import { defineApi, defineRole, TEST_ACTOR } from '../../support/rbac.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const DOCS = 'https://docs.example.com';

/** A clock that stands still until a test moves it forward. */
function steppingClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

describe('POST /api/authz/check', () => {
  const clock = steppingClock();
  let server: TestServer;
  let admin: ApiClient;
  let checker: ApiClient;
  let ids: Record<string, string>;
  const account: Record<string, string> = {};
  const group: Record<string, string> = {};
  let grantOn7: string;

  const check = (body: unknown) => checker.call('POST', '/api/authz/check', body);

  beforeAll(async () => {
    server = await startTestServer({ clock });
    const { container } = server;
    admin = await bootstrapAdmin(server);
    // The bootstrapped admin client also holds authz:check: ask with a token for the check API.
    checker = apiClient(server, admin.clientId, await machineToken(server, admin.clientId, (admin as ApiClient & { secret: string }).secret, container.systemApis.authz.identifier));

    ({ ids } = await defineApi(container, DOCS, ['document:read', 'document:write']));
    for (const email of ['alice@example.com', 'bob@example.com', 'carol@example.com']) {
      account[email.split('@')[0]] = (await container.accounts.createAccount({ email })).id;
    }
    // all-staff ⊃ engineering ⊃ backend ∋ alice; engineering holds editor (document:write).
    for (const name of ['all-staff', 'engineering', 'backend']) group[name] = (await container.groups.createGroup({ name }, TEST_ACTOR)).id;
    await container.groups.addMember(group['all-staff'], { type: 'group', id: group.engineering }, TEST_ACTOR);
    await container.groups.addMember(group.engineering, { type: 'group', id: group.backend }, TEST_ACTOR);
    await container.groups.addMember(group.backend, { type: 'account', id: account.alice }, TEST_ACTOR);
    const editor = await defineRole(container, 'editor', [ids['document:write']]);
    await container.roles.assign(editor.id, { type: 'group', id: group.engineering }, TEST_ACTOR);
    const grant = (subject: { type: 'account' | 'group'; id: string }, object: string) =>
      container.objectGrants.createObjectGrant({ subject, permissionId: ids['document:read'], object }, TEST_ACTOR);
    await grant({ type: 'group', id: group['all-staff'] }, 'document:42');
    grantOn7 = (await grant({ type: 'account', id: account.bob }, 'document:7')).id;
  });
  afterAll(() => server.close());

  it('allows through a role held by an enclosing group, and names the role and the group', async () => {
    const response = await check({ subject: `account:${account.alice}`, permission: 'document:write', object: 'document:1' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ allowed: true, reason: 'role', role: 'editor', group: 'engineering' });
  });

  it('allows through an object grant to a group two levels up, and only on that object', async () => {
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:read', object: 'document:42' })).body).toEqual({
      allowed: true,
      reason: 'object_grant',
      group: 'all-staff',
    });
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:read', object: 'document:7' })).body).toEqual({
      allowed: false,
      reason: 'no_permission',
    });
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:read' })).body).toEqual({ allowed: false, reason: 'no_permission' });
  });

  it('allows through a direct object grant, and restricts to a named resource', async () => {
    expect((await check({ subject: `account:${account.bob}`, permission: 'document:read', object: 'document:7' })).body).toEqual({ allowed: true, reason: 'object_grant' });
    expect((await check({ subject: `account:${account.bob}`, permission: 'document:read', object: 'document:7', resource: 'https://other.example.com' })).body).toEqual({
      allowed: false,
      reason: 'no_permission',
    });
  });

  it('answers a batch in order', async () => {
    const response = await check({
      checks: [
        { subject: `account:${account.alice}`, permission: 'document:write' },
        { subject: `account:${account.carol}`, permission: 'document:write' },
        { subject: `account:${account.bob}`, permission: 'document:read', object: 'document:7' },
        { subject: 'account:00000000-0000-4000-8000-000000000000', permission: 'document:read' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.results).toEqual([
      { allowed: true, reason: 'role', role: 'editor', group: 'engineering' },
      { allowed: false, reason: 'no_permission' },
      { allowed: true, reason: 'object_grant' },
      { allowed: false, reason: 'subject_not_active' },
    ]);
  });

  it('lists the objects of a type a subject may act on', async () => {
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:read', object_type: 'document' })).body).toEqual({
      subject: `account:${account.alice}`,
      permission: 'document:read',
      object_type: 'document',
      all: false,
      objects: ['document:42'],
    });
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:write', object_type: 'document' })).body).toMatchObject({ all: true, objects: [] });
  });

  it('answers for a machine client from its own roles', async () => {
    expect((await check({ subject: `client:${admin.clientId}`, permission: 'admin:write' })).body).toEqual({ allowed: true, reason: 'role', role: 'idp-admin' });
    expect((await check({ subject: `client:${admin.clientId}`, permission: 'document:read', object: 'document:42' })).body).toEqual({
      allowed: false,
      reason: 'no_permission',
    });
  });

  it('sees a revoked object grant and a removed nested membership at once (admin API)', async () => {
    expect((await admin.call('DELETE', `/admin/api/v1/object-grants/${grantOn7}`)).status).toBe(204);
    expect((await check({ subject: `account:${account.bob}`, permission: 'document:read', object: 'document:7' })).body.allowed).toBe(false);

    expect((await admin.call('DELETE', `/admin/api/v1/groups/${group.engineering}/members/groups/${group.backend}`)).status).toBe(204);
    const after = await check({
      checks: [
        { subject: `account:${account.alice}`, permission: 'document:write' },
        { subject: `account:${account.alice}`, permission: 'document:read', object: 'document:42' },
      ],
    });
    expect(after.body.results).toEqual([
      { allowed: false, reason: 'no_permission' },
      { allowed: false, reason: 'no_permission' },
    ]);
    expect((await admin.call('PUT', `/admin/api/v1/groups/${group.engineering}/members/groups/${group.backend}`)).status).toBe(204);
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:write' })).body.allowed).toBe(true);
  });

  it('refuses a membership that would make a loop, with 409', async () => {
    const response = await admin.call('PUT', `/admin/api/v1/groups/${group.backend}/members/groups/${group['all-staff']}`);
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ type: 'urn:idp:error:membership-cycle', status: 409 });
    expect((await admin.call('PUT', `/admin/api/v1/groups/${group.backend}/members/groups/${group.backend}`)).status).toBe(409);
  });

  it('denies a disabled account', async () => {
    expect((await admin.call('PATCH', `/admin/api/v1/accounts/${account.alice}`, { status: 'disabled' })).status).toBe(200);
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:write' })).body).toEqual({ allowed: false, reason: 'subject_not_active' });
    expect((await admin.call('PATCH', `/admin/api/v1/accounts/${account.alice}`, { status: 'active' })).status).toBe(200);
    expect((await check({ subject: `account:${account.alice}`, permission: 'document:write' })).body.allowed).toBe(true);
  });

  it('sees a change made by another process within the poll interval, through the generation counter', async () => {
    const elsewhere = buildServices({ config: server.container.config, db: server.container.db, clock });
    const subject = `account:${account.carol}`;
    expect((await check({ subject, permission: 'document:write' })).body.allowed).toBe(false);
    await elsewhere.groups.addMember(group.backend, { type: 'account', id: account.carol }, TEST_ACTOR);
    // This process was not told: until the next poll it answers from its cache.
    expect((await check({ subject, permission: 'document:write' })).body.allowed).toBe(false);
    clock.advance(1500);
    expect((await check({ subject, permission: 'document:write' })).body.allowed).toBe(true);
  });

  it('records no denial events while AUDIT_PERMISSION_DENIALS is off (the default)', async () => {
    expect(server.container.config.audit.permissionDenials).toBe(false);
    expect((await check({ subject: `account:${account.carol}`, permission: 'document:admin' })).body.allowed).toBe(false);
    expect(await server.container.db('events').where({ type: 'authz.check_denied' })).toHaveLength(0);
  });

  describe('protection', () => {
    it('needs a bearer token (401 with a challenge)', async () => {
      const response = await fetch(`${server.issuer}/api/authz/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(await response.json()).toMatchObject({ type: 'urn:idp:error:unauthenticated', status: 401 });
    });

    it('refuses a token for another audience (401 invalid_token)', async () => {
      const response = await admin.call('POST', '/api/authz/check', { subject: `account:${account.alice}`, permission: 'document:write' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(response.body.type).toBe('urn:idp:error:invalid-token');
    });

    it('refuses a caller without authz:check (403)', async () => {
      const outsider = await adminWith(server, ['admin:read']);
      const { container } = server;
      const clientSecret = (await container.clients.rotateSecret(outsider.clientId)).clientSecret;
      const token = await machineToken(server, outsider.clientId, clientSecret, container.systemApis.authz.identifier);
      const response = await apiClient(server, outsider.clientId, token).call('POST', '/api/authz/check', { subject: `account:${account.alice}`, permission: 'x' });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ type: 'urn:idp:error:insufficient-permission', required_permission: 'authz:check' });
    });

    it('validates input and names the field (400)', async () => {
      const bad = await check({ subject: 'alice', permission: 'document:read' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ type: 'urn:idp:error:validation-failed', field: 'subject' });
      const tooMany = await check({ checks: Array.from({ length: 101 }, () => ({ subject: `account:${account.alice}`, permission: 'p' })) });
      expect(tooMany.body).toMatchObject({ status: 400, field: 'checks' });
      const badObject = await check({ subject: `account:${account.alice}`, permission: 'p', object: 'no colon' });
      expect(badObject.body).toMatchObject({ status: 400, field: 'object' });
      const notJson = await fetch(`${server.issuer}/api/authz/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${checker.token}`, 'content-type': 'text/plain' },
        body: 'subject=x',
      });
      expect(notJson.status).toBe(415);
    });
  });
});
