import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { LeasedLimiter, MAX_LEASE } from '../../../src/ratelimit/leased-limiter.js';
import { createLimiterFactory } from '../../../src/ratelimit/store.js';
import { usingRedis } from '../../support/database.js';
import { openTestRedis, type TestRedis } from '../../support/redis.js';

/**
 * The shared counter is real Redis when REDIS_URL is set (as in production with several instances),
 * and the in-memory limiter of embedded mode otherwise.
 */
describe(`a leased limit on ${usingRedis() ? 'Redis' : 'the in-memory store'}`, () => {
  let testRedis: TestRedis | undefined;
  let calls = 0;
  let name = 0;

  beforeAll(async () => {
    testRedis = usingRedis() ? await openTestRedis() : undefined;
  });
  afterAll(() => testRedis?.destroy());

  /** A fresh shared counter that counts the calls made to it (each one a Redis round trip). */
  function sharedCounter(points: number): RateLimiterAbstract {
    const limiter = createLimiterFactory(testRedis?.redis)(`leased-test-${(name += 1)}`, { points, duration: 60 });
    const consume = limiter.consume.bind(limiter);
    limiter.consume = (key: string | number, spend?: number) => {
      calls += 1;
      return consume(key, spend);
    };
    return limiter;
  }

  async function spend(limiter: LeasedLimiter, times: number, key = 'client:a'): Promise<{ allowed: number; refused: number }> {
    let allowed = 0;
    let refused = 0;
    for (let i = 0; i < times; i += 1) {
      try {
        await limiter.consume(key);
        allowed += 1;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        refused += 1;
      }
    }
    return { allowed, refused };
  }

  it('allows exactly the limit from one instance, with far fewer store calls than requests', async () => {
    calls = 0;
    const limiter = new LeasedLimiter(sharedCounter(500));
    expect(await spend(limiter, 520)).toEqual({ allowed: 500, refused: 20 });
    // Leases far from the limit, one point at a time near it: about 500 / 16 + 64 + 20 calls, not 520.
    expect(calls).toBeLessThan(140);
  });

  it('lets concurrent requests for one key share a lease instead of each asking the store', async () => {
    const limiter = new LeasedLimiter(sharedCounter(10_000));
    await spend(limiter, 1); // learns that there is room
    calls = 0;
    await Promise.all(Array.from({ length: 48 }, () => limiter.consume('client:a')));
    expect(calls).toBeLessThanOrEqual(4);
  });

  it('stays exact for concurrent requests near the limit', async () => {
    const limiter = new LeasedLimiter(sharedCounter(20));
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => limiter.consume('client:a')));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(20);
    expect(results.filter((result) => result.status === 'rejected' && result.reason instanceof RateLimiterRes)).toHaveLength(20);
  });

  it('is exact for small limits (no lease is taken without headroom)', async () => {
    const limiter = new LeasedLimiter(sharedCounter(8));
    expect(await spend(limiter, 10)).toEqual({ allowed: 8, refused: 2 });
  });

  it('never allows more than the limit across instances, and refuses at most a lease early per instance', async () => {
    const shared = sharedCounter(300);
    const first = new LeasedLimiter(shared);
    const second = new LeasedLimiter(shared);
    let allowed = 0;
    for (let i = 0; i < 200; i += 1) {
      allowed += (await spend(first, 1)).allowed + (await spend(second, 1)).allowed;
    }
    expect(allowed).toBeLessThanOrEqual(300);
    expect(allowed).toBeGreaterThanOrEqual(300 - 2 * (MAX_LEASE - 1));
  });

  it('keeps counting per key', async () => {
    const limiter = new LeasedLimiter(sharedCounter(3));
    expect(await spend(limiter, 4, 'client:a')).toEqual({ allowed: 3, refused: 1 });
    expect(await spend(limiter, 3, 'client:b')).toEqual({ allowed: 3, refused: 0 });
  });

  it('gives back a lease that traffic elsewhere made too big, and takes the one point alone', async () => {
    const shared = sharedCounter(100);
    const limiter = new LeasedLimiter(shared);
    await spend(limiter, 1); // one point; 99 left looked roomy
    await shared.consume('client:a', 95); // another instance, meanwhile: 4 left
    expect(await spend(limiter, 1)).toEqual({ allowed: 1, refused: 0 });
    expect((await shared.get('client:a'))?.consumedPoints).toBe(97);
  });

  it('does not spend leased points once the window they came from is over', async () => {
    let now = Date.now();
    const limiter = new LeasedLimiter(sharedCounter(1000), () => now);
    await spend(limiter, 2); // the second call took a lease
    const before = calls;
    await spend(limiter, 1);
    expect(calls).toBe(before); // spent from the lease
    now += 61_000;
    await spend(limiter, 1);
    expect(calls).toBe(before + 1); // the lease expired with its window: back to the store
  });

  it('takes a refunded point back into the lease it came from, without a store call', async () => {
    const limiter = new LeasedLimiter(sharedCounter(1000));
    await spend(limiter, 1); // learns that there is room
    const windowEnd = await limiter.consume('client:a'); // takes a lease
    const before = calls;
    await limiter.refund('client:a', windowEnd);
    expect(calls).toBe(before);
    // The lease holds MAX_LEASE - 1 + 1 points: that many spends without asking the store again.
    await spend(limiter, MAX_LEASE);
    expect(calls).toBe(before);
  });

  it('gives a refunded point back to the shared counter near the limit, and nothing once its window is over', async () => {
    let now = Date.now();
    const shared = sharedCounter(5);
    const limiter = new LeasedLimiter(shared, () => now);
    const windowEnd = await limiter.consume('client:a');
    await limiter.refund('client:a', windowEnd);
    expect(await spend(limiter, 6)).toEqual({ allowed: 5, refused: 1 });
    const late = await limiter.consume('client:b');
    now = late + 1;
    await limiter.refund('client:b', late);
    expect((await shared.get('client:b'))?.consumedPoints ?? 0).toBeLessThanOrEqual(1);
  });

  it('passes a store failure through (the callers answer 503)', async () => {
    const failing = sharedCounter(10);
    failing.consume = () => Promise.reject(new Error('store down'));
    await expect(new LeasedLimiter(failing).consume('client:a')).rejects.toThrow('store down');
  });
});
