import type { Clock } from '../shared/clock.js';

export interface AccessCacheOptions<V> {
  load(key: string): Promise<V>;
  /** A value that changes whenever the cached data may have changed, in any process. */
  readGeneration(): Promise<string>;
  clock: Clock;
  /** How often the generation is read: the longest a change made by another process stays unseen. */
  pollIntervalMs: number;
  /** Hard bound on an entry's age, whatever the generation says. */
  maxAgeMs: number;
  maxEntries: number;
}

interface Entry<V> {
  value: V;
  loadedAt: number;
}

/**
 * A small in-process cache for the check endpoint's hot path. Writes made in this process clear it at
 * once (`invalidate`); writes made elsewhere (another instance, the CLI) are noticed through the
 * database's generation counter, read at most once per poll interval by whichever request comes
 * first. A load that started before a clear never stores its (possibly stale) result.
 */
export function createAccessCache<V>(options: AccessCacheOptions<V>) {
  const entries = new Map<string, Entry<V>>();
  const loading = new Map<string, Promise<V>>();
  let epoch = 0;
  let generation: string | undefined;
  let polledAt = Number.NEGATIVE_INFINITY;
  let polling: Promise<void> | undefined;

  function clear() {
    epoch += 1;
    entries.clear();
    loading.clear();
  }

  async function ensureFresh(now: number): Promise<void> {
    if (now - polledAt < options.pollIntervalMs) return;
    polling ??= (async () => {
      try {
        const current = await options.readGeneration();
        if (current !== generation) {
          generation = current;
          clear();
        }
        polledAt = options.clock.now().getTime();
      } finally {
        polling = undefined;
      }
    })();
    await polling;
  }

  return {
    async get(key: string): Promise<V> {
      const now = options.clock.now().getTime();
      await ensureFresh(now);
      const entry = entries.get(key);
      if (entry && now - entry.loadedAt < options.maxAgeMs) return entry.value;
      const pending = loading.get(key);
      if (pending) return pending;
      const startedIn = epoch;
      const promise = options.load(key).then(
        (value) => {
          if (epoch === startedIn) {
            loading.delete(key);
            if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
            entries.set(key, { value, loadedAt: now });
          }
          return value;
        },
        (error: unknown) => {
          if (epoch === startedIn) loading.delete(key);
          throw error;
        },
      );
      loading.set(key, promise);
      return promise;
    },

    /** Forgets everything now, and rereads the generation on the next call. */
    invalidate() {
      clear();
      polledAt = Number.NEGATIVE_INFINITY;
    },

    get size() {
      return entries.size;
    },
  };
}

export type AccessCache<V> = ReturnType<typeof createAccessCache<V>>;

/** Thrown by a loader for a key that does not exist, so that the miss is answered but never stored. */
export const MISSING = new Error('no such entry');

/**
 * Reads through a cache whose loader throws MISSING for unknown keys: a known entry is cached, an
 * unknown one is looked up again next time, so something created by another process is found at once.
 */
export async function getUnlessMissing<V>(cache: AccessCache<V>, key: string): Promise<V | undefined> {
  try {
    return await cache.get(key);
  } catch (error) {
    if (error === MISSING) return undefined;
    throw error;
  }
}
