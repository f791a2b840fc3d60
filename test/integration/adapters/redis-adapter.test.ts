import { usingRedis } from '../../support/database.js';
import { describeAdapterContract } from './contract.js';
import { openRedisContractStore } from './redis-store.js';

describeAdapterContract('Redis adapter', openRedisContractStore, usingRedis() ? undefined : 'REDIS_URL is not set');
