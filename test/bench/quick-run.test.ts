import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Only that `npm run bench -- --quick` runs and prints a complete table: speed is measured by the
 * benchmark itself, never asserted here (machines are noisy). bcrypt cost 4 keeps the password flow short.
 */
describe('npm run bench -- --quick', () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
  afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

  it('runs every scenario against both servers and prints the table', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'bench', '--', '--quick'], {
        cwd: ROOT,
        env: { ...process.env, BCRYPT_COST: '4', BENCH_RESULTS_DIR: resultsDir },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
    });
    if (code !== 0) throw new Error(`bench exited with ${code}:\n${stderr.slice(-3000)}`);

    expect(stderr).toMatch(/storage: accounts and grants in (PostgreSQL|embedded PGlite)/);
    expect(stdout).toContain('| scenario | rate ours / baseline | ratio (median of pairs) | CPU-time ratio | p50 ms | p99 ms | errors | server RSS MiB | server CPU ms/req | target | met |');
    for (const title of [
      'client credentials, JWT access token, ES256',
      'client credentials, JWT access token, RS256',
      'client credentials, opaque access token',
      'introspection of an opaque access token',
      'refresh-token grant with rotation',
      'prompt=none silent re-authorization',
      'permission check endpoint',
      'token endpoint at 70% of its own peak',
      'authorization code + PKCE with password login',
      'DPoP-bound token issuance',
      'userinfo with a DPoP-bound access token',
      'SCIM import: 1,000 users',
      'SCIM import: 50 groups',
      'Redis memory per 10,000 sessions',
      'account list, first page of 25, 100,000 accounts',
      'account search by email prefix',
      'account search by name word',
      'account search that matches nothing',
      'errors in any scenario',
    ]) {
      expect(stdout).toContain(`| ${title}`);
    }
    const rows = stdout.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| scenario') && !line.startsWith('|---'));
    for (const row of rows) expect(row.split('|').length).toBe(13);

    const files = readdirSync(resultsDir).filter((name) => name.endsWith('-quick.json'));
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(resultsDir, files[0]), 'utf8')) as { rows: unknown[]; machine: { nproc: number } };
    expect(result.rows).toHaveLength(17);
    expect(result.machine.nproc).toBeGreaterThan(0);
  }, 900_000);
});
