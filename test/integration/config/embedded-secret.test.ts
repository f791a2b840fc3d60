import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../src/config/load.js';

/** Embedded mode without SERVER_SECRET: the secret is generated once into the data folder. */
describe('the generated server secret', () => {
  const dirs: string[] = [];
  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'idp-secret-'));
    dirs.push(dir);
    return join(dir, 'data'); // not created yet: loading must create it
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is generated into the data folder, readable by the owner only, with a warning that does not show it', () => {
    const dataDir = newDataDir();
    const { config, warnings } = loadConfig({ DATA_DIR: dataDir });
    const [secret] = config.serverSecrets;
    expect(config.serverSecrets).toHaveLength(1);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'server-secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const warning = warnings.find((text) => text.startsWith('SERVER_SECRET is not set'));
    expect(warning).toContain(file);
    expect(warning).not.toContain(secret);
  });

  it('is reused on the next start, so sealed keys keep opening', () => {
    const dataDir = newDataDir();
    const first = loadConfig({ DATA_DIR: dataDir }).config.serverSecrets;
    expect(loadConfig({ DATA_DIR: dataDir }).config.serverSecrets).toEqual(first);
  });

  it('is not generated when SERVER_SECRET is set', () => {
    const dataDir = newDataDir();
    loadConfig({ DATA_DIR: dataDir, SERVER_SECRET: 'configured-secret-0123456789-abcdefghij' });
    expect(() => statSync(join(dataDir, 'server-secret'))).toThrow();
  });

  it('refuses a secret file that was cut short, without printing its content', () => {
    const dataDir = newDataDir();
    loadConfig({ DATA_DIR: dataDir });
    writeFileSync(join(dataDir, 'server-secret'), 'truncated-secret\n');
    let message = '';
    try {
      loadConfig({ DATA_DIR: dataDir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/shorter than 32 characters.*SERVER_SECRET/);
    expect(message).not.toContain('truncated-secret');
  });
});
