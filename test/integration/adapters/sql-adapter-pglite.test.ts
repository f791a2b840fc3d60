import { describeAdapterContract } from './contract.js';
import { openSqlContractStore } from './sql-store.js';

// Embedded mode's store: runs in every mode, since it needs no server.
describeAdapterContract('SQL adapter on PGlite', () => openSqlContractStore('pglite'));
