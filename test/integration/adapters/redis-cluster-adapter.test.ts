import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { createRedisAdapter } from '../../../src/oidc/adapters/redis-adapter.js';
import { systemClock } from '../../../src/shared/clock.js';
import { privateRedisMissing, startPrivateRedisCluster } from '../../support/private-servers.js';
import { describeAdapterContract } from './contract.js';
import type { ContractStore } from './contract-store.js';
import { dumpRedis, redisKeys } from './raw-dump.js';
import { ttlControls } from './redis-store.js';

/**
 * The same adapter contract against a real three-node Redis Cluster started by the test, in both CI
 * modes. The adapter's Lua scripts touch a record and its indexes together; that works on a Cluster
 * only because all keys of a model share a hash tag (`{oidc:Model}:`), and CROSSSLOT errors would
 * fail these cases otherwise.
 */
async function openClusterContractStore(): Promise<ContractStore> {
  const cluster = await startPrivateRedisCluster();
  const nodes = cluster.ports.map((port) => ({ host: '127.0.0.1', port }));
  const prefix = `contract:${randomBytes(4).toString('hex')}:`;
  const client = new Cluster(nodes, { keyPrefix: prefix });
  const raw = new Cluster(nodes);
  await client.ping();
  await raw.ping();
  // SCAN runs per node on a Cluster: gather the keys of every master.
  const keys = async () => (await Promise.all(raw.nodes('master').map((node) => redisKeys(node, prefix)))).flat().sort();
  const rawAsRedis = raw as unknown as Redis;
  return {
    adapter: (model) => createRedisAdapter(client, model),
    clock: systemClock,
    ...ttlControls(raw, keys, prefix),
    async dump() {
      const entries = [];
      for (const node of raw.nodes('master')) entries.push(...(await dumpRedis(node, prefix)));
      return entries;
    },
    async clear() {
      for (const key of await keys()) await rawAsRedis.del(key);
    },
    async close() {
      client.disconnect();
      raw.disconnect();
      await cluster.stop();
    },
  };
}

const missing = privateRedisMissing();
describeAdapterContract('Redis adapter on a Redis Cluster', openClusterContractStore, missing);
