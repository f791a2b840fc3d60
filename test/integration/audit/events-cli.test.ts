import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { openDatabase } from '../../../src/storage/database.js';
import { asSuperuser } from '../../support/audit.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { runCli, spawnCli, startServerProcess, type ServerProcess } from '../../support/processes.js';
import { TEST_SERVER_SECRET } from '../../support/server.js';

// Each step spawns a process that loads the app and opens the database.
jest.setTimeout(240_000);

/** A client name that tries to forge a second event line in text and NDJSON output. */
const FORGING_NAME = 'Evil\n2026-01-01T00:00:00.000000Z #999 login.succeeded success actor=account:admin\r\u2028{"id":"999"}';

describe('idp events and webhook commands, embedded, server stopped', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-events-cli-'));
  const env = { DATA_DIR: dataDir, BCRYPT_COST: '4' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  beforeAll(async () => {
    expect((await runCli(['client', 'create', '--name', FORGING_NAME, '--type', 'machine'], env)).code).toBe(0);
    expect((await runCli(['user', 'create', '--email', 'ops@example.com'], env)).code).toBe(0);
  });

  it('exports NDJSON with one event per line, user-supplied text escaped', async () => {
    const exported = await runCli(['events', 'export'], env);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const events = lines.map((line) => JSON.parse(line));
    expect(events.map((event) => event.type)).toEqual(['client.created', 'account.created']);
    expect(events[0].detail.name).toBe(FORGING_NAME);
    expect(events[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const filtered = await runCli(['events', 'export', '--type', 'account.*'], env);
    expect(filtered.stdout.trim().split('\n').map((line) => JSON.parse(line).type)).toEqual(['account.created']);
  });

  it('lists events one per line for people, escaping line breaks', async () => {
    const listed = await runCli(['events', 'list'], env);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\S+ #1 client\.created success actor=system:cli/);
    expect(listed.stdout).not.toContain('\r');
    expect(listed.stdout).not.toContain('\u2028');
  });

  it('refuses bad filters with a clear message', async () => {
    const badType = await runCli(['events', 'export', '--type', 'login.nope'], env);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('unknown event type');
    const badOutcome = await runCli(['events', 'list', '--outcome', 'maybe'], env);
    expect(badOutcome.code).toBe(1);
    expect(badOutcome.stderr).toContain('outcome');
  });

  it('creates, lists and deletes webhooks; the secret is shown once', async () => {
    const created = await runCli(['webhook', 'create', '--url', 'https://hooks.example/idp', '--event', 'login.*', '--event', 'token.revoked', '--json'], env);
    expect(created.code).toBe(0);
    const webhook = JSON.parse(created.stdout);
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await runCli(['webhook', 'list', '--json'], env);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: webhook.id, event_types: ['login.*', 'token.revoked'], pending: 0 })]);
    expect(listed.stdout).not.toContain(webhook.secret);
    expect((await runCli(['webhook', 'create', '--url', 'ftp://x.example/', '--event', '*'], env)).stderr).toContain('url');
    expect((await runCli(['webhook', 'delete', webhook.id], env)).code).toBe(0);
    expect((await runCli(['webhook', 'delete', webhook.id], env)).code).toBe(1);
  });

  it('verifies the chain, and reports the first broken link after a row is edited', async () => {
    const verified = await runCli(['events', 'verify', '--json'], env);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, checked: 4 });

    const { config } = loadConfig({ DATA_DIR: dataDir });
    const database = await openDatabase(config, 'cli');
    try {
      await asSuperuser(database.db, (db) => db('events').where({ id: 2 }).update({ outcome: 'failure' }));
    } finally {
      await database.close();
    }
    const broken = await runCli(['events', 'verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken at event 2');
    expect(broken.stderr).toContain('1 events verified before it');
  });
});

describe('idp events while the embedded server runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-events-live-'));
  const env = { DATA_DIR: dataDir };
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess(env);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tails through the control socket: recent events, then new ones, and stops cleanly on SIGINT', async () => {
    const tail = spawnCli(['events', 'tail', '--lines', '5', '--interval-ms', '200'], env);
    try {
      // The first start created the signing keys and the administrator, and recorded its configuration.
      await tail.waitFor(/config\.loaded/);
      expect(tail.output()).toContain('keys.created');
      expect(tail.output()).toContain('account.created');
      expect((await runCli(['client', 'create', '--name', FORGING_NAME, '--type', 'machine'], env)).code).toBe(0);
      const seen = (await tail.waitFor(/client\.created/)).trim().split('\n');
      // One line per event: the forged line break in the name made no line of its own (no "#999"),
      // so the ids run on without a gap or an extra, and the new event is the last line.
      const ids = seen.map((line) => Number(/^\S+Z #(\d+) /.exec(line)?.[1]));
      expect(ids).toEqual(ids.map((_, index) => ids[0] + index));
      expect(seen.at(-1)).toContain('client.created');
    } finally {
      expect(await tail.stop('SIGINT')).toBe(0);
    }
  });

  it('exports and verifies through the server', async () => {
    const exported = await runCli(['events', 'export', '--type', 'client.created'], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout.trim().split('\n').map((line) => JSON.parse(line).detail.name)).toEqual([FORGING_NAME]);
    expect((await runCli(['events', 'verify'], env)).code).toBe(0);
  });
});

const describeWithPostgres = process.env.DATABASE_URL ? describe : describe.skip;

describeWithPostgres('idp events tail against PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgres');
    env = { DATABASE_URL: process.env.DATABASE_URL!, DATABASE_SCHEMA: testDatabase.schema!, SERVER_SECRET: TEST_SERVER_SECRET };
  });
  afterAll(() => testDatabase.destroy());

  it('follows events written by other processes, with a filter, until SIGINT', async () => {
    expect((await runCli(['user', 'create', '--email', 'before@example.com'], env)).code).toBe(0);
    const tail = spawnCli(['events', 'tail', '--type', 'client.*', '--json', '--interval-ms', '200'], env);
    try {
      expect((await runCli(['client', 'create', '--name', 'Api', '--type', 'machine'], env)).code).toBe(0);
      const seen = await tail.waitFor(/client\.created/);
      const lines = seen.trim().split('\n').map((line) => JSON.parse(line));
      expect(lines.map((event) => event.type)).toEqual(['client.created']);
    } finally {
      expect(await tail.stop('SIGINT')).toBe(0);
    }
  });
});
