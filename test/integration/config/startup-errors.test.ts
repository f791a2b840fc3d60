import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the real entry point as an operator would (`npm start` runs exactly this command), with
 * only the given variables: nothing from the test's own environment, such as DATABASE_URL, leaks in.
 */
describe('starting the server with a bad environment', () => {
  const children: ChildProcess[] = [];
  const dataDirs: string[] = [];

  afterEach(() => {
    // A server that wrongly started would keep the test run alive; stop any that did.
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function start(env: Record<string, string>): Promise<Exit> {
    const dataDir = mkdtempSync(join(tmpdir(), 'idp-startup-'));
    dataDirs.push(dataDir);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dataDir, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('exits non-zero and names PORT on stderr for PORT=abc, before touching the data folder', async () => {
    const exit = await start({ PORT: 'abc' });
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(exit.stderr).toContain('PORT');
    expect(exit.stderr).not.toContain('    at '); // a message, not a stack trace
    expect(readdirSync(dataDirs[0])).toEqual([]);
  });

  it('exits non-zero and names DATABASE_URL for a URL of another database', async () => {
    const exit = await start({ DATABASE_URL: 'mysql://idp@127.0.0.1/idp', SERVER_SECRET: 'startup-test-secret-0123456789-abcdefgh' });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toContain('DATABASE_URL');
  });

  it('names SERVER_SECRET without printing it when it is too short', async () => {
    const exit = await start({ SERVER_SECRET: 'hunter2-too-short' });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toContain('SERVER_SECRET');
    expect(exit.stderr + exit.stdout).not.toContain('hunter2-too-short');
  });
});
