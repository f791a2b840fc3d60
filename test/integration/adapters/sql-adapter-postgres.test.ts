import { usingPostgres } from '../../support/database.js';
import { describeAdapterContract } from './contract.js';
import { openSqlContractStore } from './sql-store.js';

describeAdapterContract(
  'SQL adapter on PostgreSQL',
  () => openSqlContractStore('postgres'),
  usingPostgres() ? undefined : 'DATABASE_URL is not set',
);
