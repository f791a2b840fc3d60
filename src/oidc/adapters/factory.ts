import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { ClientService } from '../../clients/service.js';
import type { Clock } from '../../shared/clock.js';
import { createClientAdapter } from './client-adapter.js';
import { createRedisAdapter } from './redis-adapter.js';
import { createSqlAdapter } from './sql-adapter.js';
import type { AdapterFactory } from './types.js';

/** Grants and refresh tokens live for months: losing Redis must not revoke them (DESIGN.md, storage). */
export const LONG_LIVED_MODELS = new Set(['Grant', 'RefreshToken']);

export function createAdapterFactory(deps: { db: Knex; redis?: Redis; clients: ClientService; clock: Clock }): AdapterFactory {
  return (modelName) => {
    if (modelName === 'Client') return createClientAdapter(deps.clients);
    if (LONG_LIVED_MODELS.has(modelName) || !deps.redis) return createSqlAdapter(deps.db, deps.clock, modelName);
    return createRedisAdapter(deps.redis, modelName);
  };
}
