import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCommand } from '../../../src/cli/run.js';
import { apiClient, machineToken } from '../../support/admin.js';
import { exchangeCode, registerClient, signIn } from '../../support/relying-party.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { verifyAccessToken } from '../../support/tokens.js';

const API = 'https://notes.example.com';

/**
 * The walk-through of docs/rbac.md, with the CLI alone. Commands run in-process exactly as the
 * server's control socket runs them for `idp` in embedded mode.
 */
describe('idp CLI: groups, roles, permissions, resources, memberships', () => {
  let server: TestServer;
  const idp = async (line: string[], stdin?: string) => {
    const context = { ...server.container, afterKeyRotation: async () => undefined };
    return runCommand(context, line, stdin);
  };
  const json = async (line: string[], stdin?: string) => {
    const result = await idp([...line, '--json'], stdin);
    if (result.exitCode !== 0) throw new Error(`${line.join(' ')} failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('defines an API, a role and a group, puts a user in it, and the token and the check endpoint show it', async () => {
    const resource = await json(['resource', 'create', '--identifier', API, '--name', 'Notes', '--permission', 'notes:read', '--permission', 'notes:write']);
    expect(resource.permissions.map((permission: { name: string }) => permission.name).sort()).toEqual(['notes:read', 'notes:write']);
    expect(await json(['role', 'create', 'note-taker', '--description', 'Reads and writes notes'])).toMatchObject({ name: 'note-taker' });
    const held = await json(['role', 'add-permission', 'note-taker', '--resource', API, 'notes:read', 'notes:write']);
    expect(held.map((permission: { name: string }) => permission.name)).toEqual(['notes:read', 'notes:write']);
    expect(await json(['group', 'create', 'writers'])).toMatchObject({ name: 'writers' });
    expect(await json(['role', 'assign', 'note-taker', '--group', 'writers'])).toMatchObject({ role: 'note-taker', added: true });
    await json(['user', 'create', '--email', 'alice@example.com', '--password-stdin', '--verified'], 'a long test password\n');
    expect(await json(['member', 'add', 'writers', '--user', 'alice@example.com'])).toMatchObject({ group: 'writers', added: true });

    expect(await json(['member', 'list', 'writers'])).toEqual([expect.objectContaining({ type: 'account', name: 'alice@example.com' })]);
    expect(await json(['group', 'show', 'writers'])).toMatchObject({ members: [expect.objectContaining({ name: 'alice@example.com' })], roles: [expect.objectContaining({ role: 'note-taker' })] });
    expect((await json(['role', 'show', 'note-taker'])).holders).toEqual([expect.objectContaining({ subject_type: 'group' })]);
    // Declared in one statement, so they share a creation time and come in id order.
    expect((await json(['permission', 'list', API])).map((permission: { name: string }) => permission.name).sort()).toEqual(['notes:read', 'notes:write']);
    expect((await json(['resource', 'list'])).map((r: { identifier: string }) => r.identifier)).toContain(API);
    expect((await json(['role', 'list'])).map((r: { name: string }) => r.name)).toContain('note-taker');
    expect((await json(['group', 'list'])).map((g: { name: string }) => g.name)).toEqual(['writers']);

    // A token whose claims show it.
    const web = await registerClient(server.issuer, server.container, { firstParty: true });
    const { start, callback } = await signIn(web, { email: 'alice@example.com', password: 'a long test password' }, { scope: 'openid groups roles notes:write', resource: API });
    const tokens = await exchangeCode(web, start, callback.url);
    expect(tokens.claims()).toMatchObject({ groups: ['writers'], roles: ['note-taker'] });
    const access = await verifyAccessToken(server.issuer, tokens.access_token, API);
    // A person's token delegates only what was asked for: notes:read is held, but not in the scope.
    expect(access).toMatchObject({ scope: 'notes:write', permissions: ['notes:write'] });

    // The check endpoint answers, for the first admin client.
    const admin = await json(['admin', 'bootstrap']);
    expect(admin).toMatchObject({ client_id: expect.any(String), client_secret: expect.any(String), check_api: `${server.issuer}/api/authz` });
    const token = await machineToken(server, admin.client_id, admin.client_secret, admin.check_api);
    const answer = await apiClient(server, admin.client_id, token).call('POST', '/api/authz/check', { subject: `account:${access.sub}`, permission: 'notes:write' });
    expect(answer.body).toEqual({ allowed: true, reason: 'role', role: 'note-taker', group: 'writers' });
  });

  it('undoes each step', async () => {
    expect(await json(['member', 'remove', 'writers', '--user', 'alice@example.com'])).toMatchObject({ removed: true });
    expect(await json(['role', 'unassign', 'note-taker', '--group', 'writers'])).toMatchObject({ removed: true });
    expect(await json(['role', 'remove-permission', 'note-taker', '--resource', API, 'notes:write'])).toMatchObject({ removed: true });
    expect(await json(['permission', 'add', API, 'notes:share', '--description', 'Share a note'])).toMatchObject({ name: 'notes:share' });
    expect(await json(['permission', 'remove', API, 'notes:share'])).toMatchObject({ deleted: true });
    expect(await json(['role', 'delete', 'note-taker'])).toMatchObject({ deleted: true });
    expect(await json(['group', 'delete', 'writers'])).toMatchObject({ deleted: true });
    expect((await json(['resource', 'show', API])).permissions).toHaveLength(2);
    expect(await json(['resource', 'delete', API])).toMatchObject({ deleted: true });
  });

  it('nests groups and refuses a loop', async () => {
    await json(['group', 'create', 'company']);
    await json(['group', 'create', 'team']);
    expect(await json(['member', 'add', 'company', '--group', 'team'])).toMatchObject({ added: true });
    const loop = await idp(['member', 'add', 'team', '--group', 'company', '--json']);
    expect(loop.exitCode).toBe(1);
    expect(JSON.parse(loop.stdout)).toMatchObject({ error: 'MEMBERSHIP_CYCLE' });
  });

  it('reports unknown names, bad input and bad usage', async () => {
    const unknown = await idp(['role', 'assign', 'nope', '--user', 'x@example.com', '--json']);
    expect(unknown.exitCode).toBe(1);
    expect(JSON.parse(unknown.stdout)).toEqual({ error: 'NOT_FOUND', message: 'no role named nope' });
    const invalid = await idp(['permission', 'add', `${server.issuer}/admin/api`, 'has space']);
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stderr).toContain('scope token');
    const usage = await idp(['member', 'add', 'company']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('--user EMAIL');
    const again = await idp(['admin', 'bootstrap']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('an admin client exists already');
  });
});
