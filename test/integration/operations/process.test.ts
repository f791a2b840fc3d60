import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../../support/processes.js';

// Each step spawns a process that loads the app and opens the database: minutes on a busy 2-core machine.
jest.setTimeout(240_000);

describe('the server process (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idp-process-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on the embedded defaults, bootstraps an admin, keeps data across a restart, and drains on SIGTERM', async () => {
    const first = await startServerProcess({ DATA_DIR: dataDir });
    const log = first.output();
    expect(log).toContain('embedded PGlite');
    expect(log).toContain('admin@example.com');
    // No TTY here: the generated password goes to an owner-only file, never to the log.
    const passwordFile = join(dataDir, 'initial-admin-password');
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'server-secret')).mode & 0o777).toBe(0o600);
    expect(log).not.toContain(password);
    expect(log).toContain('configuration recorded in the audit log (config.loaded)');
    const discovery = await fetch(`http://127.0.0.1:${first.port}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const keysBefore = await (await fetch(`http://127.0.0.1:${first.port}/jwks`)).text();
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');

    const second = await startServerProcess({ DATA_DIR: dataDir, PRODUCT_NAME: 'Second start' });
    try {
      expect(second.output()).not.toContain('admin@example.com');
      expect(second.output()).toMatch(/configuration changed since the last start: [^"]*PRODUCT_NAME/);
      expect(await (await fetch(`http://127.0.0.1:${second.port}/jwks`)).text()).toBe(keysBefore);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
  });

  it('refuses to start with a bad setting and names the variable', async () => {
    await expect(startServerProcess({ DATA_DIR: dataDir, ISSUER: 'not a url' })).rejects.toThrow(/ISSUER/);
  });
});
