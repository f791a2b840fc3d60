import { afterAll, beforeAll, beforeEach, describe } from '@jest/globals';
import type { ContractStore } from './contract-store.js';
import { describeLifecycle } from './contract-lifecycle.js';
import { describeLookups } from './contract-lookups.js';
import { describeSecrecy } from './contract-secrecy.js';

/** Filled in by beforeAll; the case groups read it when their tests run. */
export interface StoreRef {
  current: ContractStore;
}

/**
 * The adapter contract, modelled on oidc-provider's example/my_adapter.js, run against one store.
 * Every implementation (Redis, SQL on Postgres, SQL on PGlite) calls this with its own opener, so
 * they are held to the same cases. `skipBecause` skips the whole suite, visibly, when the store's
 * server is not configured.
 */
export function describeAdapterContract(label: string, open: () => Promise<ContractStore>, skipBecause?: string): void {
  const describeOrSkip = skipBecause ? describe.skip : describe;
  describeOrSkip(skipBecause ? `${label} (skipped: ${skipBecause})` : label, () => {
    const store = {} as StoreRef;
    beforeAll(async () => {
      store.current = await open();
    });
    afterAll(async () => {
      await store.current?.close();
    });
    beforeEach(async () => {
      await store.current.clear();
    });

    describeLookups(store);
    describeLifecycle(store);
    describeSecrecy(store);
  });
}
