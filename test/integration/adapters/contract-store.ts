import type { Adapter } from 'oidc-provider';
import type { InsertIfAbsent } from '../../../src/oidc/adapters/types.js';
import type { Clock } from '../../../src/shared/clock.js';

/** One raw entry of a store (a record or one of its indexes) and how long it has left. */
export interface Lifetime {
  entry: string;
  /** Seconds until the store drops it; null when it never expires. */
  seconds: number | null;
}

/**
 * What the contract suite needs from each store besides the adapter itself: a way to let time pass
 * and a look at the raw data, as someone reading the database or Redis directly would see it.
 */
export interface ContractStore {
  adapter(model: string): Adapter & InsertIfAbsent;
  /** The time source the adapter stamps `consumed` with. */
  clock: Clock;
  /** Lets `seconds` pass as far as record expiry is concerned. */
  passTime(seconds: number): Promise<void>;
  lifetimes(): Promise<Lifetime[]>;
  /** Every raw entry rendered as text: its key and everything stored under it. */
  dump(): Promise<string[]>;
  /** Removes every record, so each case starts from an empty store. */
  clear(): Promise<void>;
  close(): Promise<void>;
}
