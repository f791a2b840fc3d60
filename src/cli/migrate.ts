import { migrateToLatest } from '../storage/migrate.js';
import type { Command } from './context.js';

export const migrate: Command = async (context) => {
  const { applied } = await migrateToLatest(context.db, {
    schema: context.config.database.schema,
    singleConnection: context.databaseKind === 'pglite',
  });
  return { data: { applied }, text: applied.length ? `Applied ${applied.length} migration(s):\n${applied.join('\n')}` : 'The database is up to date.' };
};
