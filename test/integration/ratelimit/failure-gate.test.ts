import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FailureGate } from '../../../src/ratelimit/failure-gate.js';
import { createLimiterFactory } from '../../../src/ratelimit/store.js';
import { usingRedis } from '../../support/database.js';
import { openTestRedis, type TestRedis } from '../../support/redis.js';

describe(`a failure gate on ${usingRedis() ? 'Redis' : 'the in-memory store'}`, () => {
  let testRedis: TestRedis | undefined;
  let name = 0;

  beforeAll(async () => {
    testRedis = usingRedis() ? await openTestRedis() : undefined;
  });
  afterAll(() => testRedis?.destroy());

  const sharedCounter = (points: number) => createLimiterFactory(testRedis?.redis)(`gate-test-${(name += 1)}`, { points, duration: 60 });

  it('blocks a key at the failure that reaches the limit, and no other key', async () => {
    // The gate's clock stands still; the store's window runs on real time, so the block is compared
    // with what the store says is left of its window, not with a slice of wall time.
    const now = Date.now();
    const counter = sharedCounter(3);
    const gate = new FailureGate(counter, () => now);
    for (let i = 0; i < 2; i += 1) await gate.fail('ip:a');
    expect(gate.blockedFor('ip:a')).toBe(0);
    await gate.fail('ip:a');
    const blocked = gate.blockedFor('ip:a');
    // Until the window ends (read afterwards, so a little less of it is left then), never beyond it.
    const windowLeft = (await counter.get('ip:a'))!.msBeforeNext;
    expect(windowLeft).toBeGreaterThan(0);
    expect(blocked).toBeGreaterThanOrEqual(windowLeft);
    expect(blocked).toBeLessThanOrEqual(60_000);
    expect(gate.blockedFor('ip:b')).toBe(0);
  });

  it('tells another instance at its first failure of the key', async () => {
    const shared = sharedCounter(3);
    const first = new FailureGate(shared);
    const second = new FailureGate(shared);
    for (let i = 0; i < 3; i += 1) await first.fail('ip:a');
    expect(second.blockedFor('ip:a')).toBe(0);
    await second.fail('ip:a');
    expect(second.blockedFor('ip:a')).toBeGreaterThan(0);
  });

  it('lets the key go when the window ends', async () => {
    let now = Date.now();
    const gate = new FailureGate(sharedCounter(1), () => now);
    await gate.fail('ip:a');
    const blocked = gate.blockedFor('ip:a');
    expect(blocked).toBeGreaterThan(0);
    now += blocked + 1;
    expect(gate.blockedFor('ip:a')).toBe(0);
  });
});
