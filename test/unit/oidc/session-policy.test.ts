import { describe, expect, it } from '@jest/globals';
import { lifetimesOf, secondsLeft } from '../../../src/oidc/session-policy.js';

const policy = { idleTimeout: 100, maxLifetime: 1000, rememberMe: true, rememberIdleTimeout: 500, rememberMaxLifetime: 5000 };

describe('session lifetimes', () => {
  it('uses the remembered lifetimes only when remember me was ticked and is enabled', () => {
    expect(lifetimesOf(policy, { transient: true })).toEqual({ idle: 100, max: 1000 });
    expect(lifetimesOf(policy, {})).toEqual({ idle: 500, max: 5000 });
    expect(lifetimesOf({ ...policy, rememberMe: false }, {})).toEqual({ idle: 100, max: 1000 });
  });

  it('ends a session at the earlier of its idle end and its absolute end', () => {
    const session = { accountId: 'a', loginTs: 0, lastSeen: 0, transient: true };
    expect(secondsLeft(policy, session, 99)).toBe(1);
    expect(secondsLeft(policy, session, 100)).toBe(0);
    expect(secondsLeft(policy, { ...session, lastSeen: 950 }, 990)).toBe(10);
    expect(secondsLeft(policy, { ...session, lastSeen: 999 }, 1000)).toBe(0);
    expect(secondsLeft(policy, { ...session, transient: false, lastSeen: 4900 }, 4999)).toBe(1);
    // A session saved before this policy existed has no lastSeen: its login time stands in.
    expect(secondsLeft(policy, { accountId: 'a', loginTs: 0, transient: true }, 50)).toBe(50);
  });
});
