import type { RedisClient as Redis } from '../../storage/redis.js';
import type { Knex } from 'knex';
import type { ClientService } from '../../clients/service.js';
import type { Clock } from '../../shared/clock.js';
import { createClientAdapter } from './client-adapter.js';
import { createDeviceCodeAdapter } from './device-code-adapter.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { guardAdapter } from './guard.js';
import { createRedisAdapter } from './redis-adapter.js';
import { createSqlAdapter } from './sql-adapter.js';
import type { AdapterFactory } from './types.js';

/** Grants and refresh tokens live for months: losing Redis must not revoke them (DESIGN.md, storage). */
export const LONG_LIVED_MODELS = new Set(['Grant', 'RefreshToken']);

/** Builds each model's adapter; a store outage inside any of them becomes a 503 (see guard.ts). */
export function createAdapterFactory(deps: {
  db: Knex;
  redis?: Redis;
  clients: ClientService;
  clock: Clock;
  onOutage?: (store: 'database' | 'redis', error: unknown) => void;
  /** Seals the device code inside its record (device-code-adapter.ts); without it the device flow cannot work. */
  deviceCodeBox?: SecretBox;
}): AdapterFactory {
  const build: AdapterFactory = (modelName) => {
    if (modelName === 'Client') return guardAdapter(createClientAdapter(deps.clients), (error) => deps.onOutage?.('database', error));
    if (LONG_LIVED_MODELS.has(modelName) || !deps.redis) {
      return guardAdapter(createSqlAdapter(deps.db, deps.clock, modelName), (error) => deps.onOutage?.('database', error));
    }
    return guardAdapter(createRedisAdapter(deps.redis, modelName), (error) => deps.onOutage?.('redis', error));
  };
  const { deviceCodeBox } = deps;
  return (modelName) => (modelName === 'DeviceCode' && deviceCodeBox ? createDeviceCodeAdapter(build(modelName), deviceCodeBox) : build(modelName));
}
