import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { runCli, startServerProcess, type ServerProcess } from '../../support/processes.js';
import { TEST_SERVER_SECRET } from '../../support/server.js';
import { signInToAccount } from '../../support/accounts.js';
import { UserAgent } from '../../support/user-agent.js';

// Each step spawns a process that loads the app and opens the database: minutes on a busy 2-core machine.
jest.setTimeout(240_000);

const json = (stdout: string) => JSON.parse(stdout);

describe('idp CLI in embedded mode, server stopped', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-cli-'));
  const env = { DATA_DIR: dataDir, BCRYPT_COST: '4' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, creates a user from stdin, and refuses a duplicate', async () => {
    const migrated = await runCli(['migrate', '--json'], env);
    expect(migrated.code).toBe(0);
    expect(json(migrated.stdout).applied.length).toBeGreaterThan(0);
    const created = await runCli(['user', 'create', '--email', 'ops@example.com', '--name', 'Ops', '--password-stdin', '--json'], env, 'a long enough password\n');
    expect(created.code).toBe(0);
    expect(json(created.stdout)).toMatchObject({ email: 'ops@example.com', has_password: true, status: 'active' });
    expect(created.stdout + created.stderr).not.toContain('a long enough password');
    const duplicate = await runCli(['user', 'create', '--email', 'OPS@example.com'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');
  });

  it('creates, lists and deletes clients; the secret is printed once and stored hashed', async () => {
    const created = await runCli(['client', 'create', '--name', 'Web', '--type', 'web', '--redirect-uri', 'https://app.example/cb', '--json'], env);
    expect(created.code).toBe(0);
    const client = json(created.stdout);
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await runCli(['client', 'list', '--json'], env);
    expect(json(listed.stdout).map((entry: { client_id: string }) => entry.client_id)).toContain(client.client_id);
    expect(listed.stdout).not.toContain(client.client_secret);
    const deleted = await runCli(['client', 'delete', client.client_id], env);
    expect(deleted.code).toBe(0);
    const missing = await runCli(['client', 'delete', client.client_id], env);
    expect(missing.code).toBe(1);
  });

  it('lists locked accounts and unlocks by email', async () => {
    const locked = await runCli(['user', 'locked', '--json'], env);
    expect(locked.code).toBe(0);
    expect(json(locked.stdout)).toEqual([]);
    const unknown = await runCli(['user', 'unlock', 'nobody@example.com'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no account');
  });

  it('rejects bad input with a usage error or a clear message', async () => {
    expect((await runCli(['client', 'create', '--name', 'X', '--type', 'robot'], env)).code).toBe(2);
    const noRedirect = await runCli(['client', 'create', '--name', 'X', '--type', 'web'], env);
    expect(noRedirect.code).toBe(1);
    expect(noRedirect.stderr).toContain('redirect URI');
    expect((await runCli(['nonsense'], env)).code).toBe(2);
    const badEmail = await runCli(['user', 'create', '--email', 'not-an-email'], env);
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toContain('email');
  });
});

describe('idp CLI in embedded mode while the server runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-cli-live-'));
  const env = { DATA_DIR: dataDir };
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess(env);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('goes through the server, whose control socket only the owner can use', async () => {
    expect(statSync(join(dataDir, 'idp.sock')).mode & 0o777).toBe(0o600);
    const created = await runCli(['client', 'create', '--name', 'Live', '--type', 'machine', '--json'], env);
    expect(created.code).toBe(0);
    const { client_id: clientId, client_secret: secret } = json(created.stdout);
    // The running server sees the client at once: it can get a token.
    const token = await fetch(`http://127.0.0.1:${server.port}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(token.status).toBe(200);
  });

  it('rotates keys and the running server publishes the new ones immediately', async () => {
    const jwks = async () => ((await (await fetch(`http://127.0.0.1:${server.port}/jwks`)).json()) as { keys: { kid: string }[] }).keys;
    expect(await jwks()).toHaveLength(2);
    const rotated = await runCli(['keys', 'rotate', '--json'], env);
    expect(rotated.code).toBe(0);
    const { added } = json(rotated.stdout);
    const kids = (await jwks()).map((key) => key.kid);
    expect(kids).toHaveLength(4);
    expect(kids).toEqual(expect.arrayContaining(added));
  });

  it('disables a user through the server', async () => {
    // The issuer the server derives from PORT (ISSUER is not set here).
    const issuer = `http://localhost:${server.port}`;
    const person = { email: 'temp@example.com', password: 'a long enough password' };
    expect((await runCli(['user', 'create', '--email', person.email, '--password-stdin'], env, `${person.password}\n`)).code).toBe(0);
    expect((await signInToAccount(new UserAgent(), issuer, person)).url).toBe(`${issuer}/account`);
    const disabled = await runCli(['user', 'disable', 'temp@example.com', '--json'], env);
    expect(disabled.code).toBe(0);
    expect(json(disabled.stdout)).toMatchObject({ email: 'temp@example.com', status: 'disabled' });
    // The printed status is the command's own text; the running server is what must refuse the account now.
    const refused = await signInToAccount(new UserAgent(), issuer, person);
    expect(refused.url).toContain('/interaction/');
    expect(refused.status).toBe(401);
  });
});

const describeWithPostgres = process.env.DATABASE_URL ? describe : describe.skip;

describeWithPostgres('idp CLI against PostgreSQL (DATABASE_URL)', () => {
  let testDatabase: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgres');
    env = { DATABASE_URL: process.env.DATABASE_URL!, DATABASE_SCHEMA: testDatabase.schema!, SERVER_SECRET: TEST_SERVER_SECRET };
  });
  afterAll(() => testDatabase.destroy());

  it('connects directly, with no server running, and refuses to start without SERVER_SECRET', async () => {
    const created = await runCli(['client', 'create', '--name', 'Api', '--type', 'machine', '--json'], env);
    expect(created.code).toBe(0);
    const rows = await testDatabase.database.db('clients').where({ client_id: json(created.stdout).client_id });
    expect(rows).toHaveLength(1);
    expect(rows[0].secret_hash).not.toBe(json(created.stdout).client_secret);
    const { SERVER_SECRET: _secret, ...withoutSecret } = env;
    const refused = await runCli(['client', 'list'], withoutSecret);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SERVER_SECRET');
  });
});
