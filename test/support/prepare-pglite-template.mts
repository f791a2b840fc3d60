import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { wrapPglite } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { pgliteTemplatePath } from './pglite-template.js';

/** Prepares the migrated PGlite template that embedded-mode test files start from. */
async function prepare(): Promise<void> {
  const path = pgliteTemplatePath();
  if (existsSync(path)) return;
  const pglite = await PGlite.create();
  const database = await wrapPglite(pglite);
  await migrateToLatest(database.db, { singleConnection: true });
  const dump = await pglite.dumpDataDir('gzip');
  const temporary = `${path}.${process.pid}`;
  writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
  renameSync(temporary, path);
  await database.close();
}

await prepare();
