import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_DIRECTORY } from '../../src/storage/migrate.js';

/**
 * Starting PGlite and migrating takes seconds, so the suite migrates once (global setup), dumps the
 * data folder, and each test file starts its own PGlite from that dump. The dump's name carries a
 * hash of the migration files' names and contents, so any change makes a new dump.
 */
export function pgliteTemplatePath(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIRECTORY).sort()) hash.update(file).update(readFileSync(`${MIGRATIONS_DIRECTORY}/${file}`));
  return join(tmpdir(), `idp-test-pglite-${hash.digest('hex').slice(0, 16)}.tar.gz`);
}
