import { describe, expect, it } from '@jest/globals';
import { createAccessCache } from '../../../src/rbac/access-cache.js';

function setup(options: { pollIntervalMs?: number; maxAgeMs?: number; maxEntries?: number } = {}) {
  let now = 0;
  let generation = 1;
  let loads = 0;
  let reads = 0;
  const cache = createAccessCache<string>({
    load: async (key) => `${key}@${generation}#${(loads += 1)}`,
    readGeneration: async () => {
      reads += 1;
      return String(generation);
    },
    clock: { now: () => new Date(now) },
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    maxAgeMs: options.maxAgeMs ?? 60_000,
    maxEntries: options.maxEntries ?? 100,
  });
  return {
    cache,
    advance: (ms: number) => void (now += ms),
    bump: () => void (generation += 1),
    counts: () => ({ loads, reads }),
  };
}

describe('access cache', () => {
  it('serves from memory and reads the generation at most once per interval', async () => {
    const { cache, advance, counts } = setup();
    expect(await cache.get('a')).toBe('a@1#1');
    expect(await cache.get('a')).toBe('a@1#1');
    advance(999);
    expect(await cache.get('a')).toBe('a@1#1');
    expect(counts()).toEqual({ loads: 1, reads: 1 });
    advance(1);
    await cache.get('a');
    expect(counts()).toEqual({ loads: 1, reads: 2 });
  });

  it('drops everything when another process changed the generation, once the interval has passed', async () => {
    const { cache, advance, bump } = setup();
    await cache.get('a');
    bump();
    expect(await cache.get('a')).toBe('a@1#1');
    advance(1000);
    expect(await cache.get('a')).toBe('a@2#2');
  });

  it('forgets at once on a local invalidation', async () => {
    const { cache, bump } = setup();
    await cache.get('a');
    bump();
    cache.invalidate();
    expect(await cache.get('a')).toBe('a@2#2');
  });

  it('bounds the age of an entry whatever the generation says', async () => {
    const { cache, advance } = setup({ pollIntervalMs: 1_000_000, maxAgeMs: 5000 });
    await cache.get('a');
    advance(5000);
    expect(await cache.get('a')).toBe('a@1#2');
  });

  it('shares one load between concurrent callers and keeps at most maxEntries', async () => {
    const { cache, counts } = setup({ maxEntries: 2 });
    await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')]);
    expect(counts().loads).toBe(1);
    await cache.get('b');
    await cache.get('c');
    expect(cache.size).toBe(2);
  });
});
