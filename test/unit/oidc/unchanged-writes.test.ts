import { describe, expect, it } from '@jest/globals';
import { createUnchangedWrites, endOfExpiryMinute, expiryMinute, UNCHANGED_WRITE_WINDOW_MS } from '../../../src/oidc/unchanged-writes.js';

describe('unchanged index writes', () => {
  function setup() {
    let now = 1_000_000;
    const writes: string[] = [];
    const unchanged = createUnchangedWrites(() => now);
    const save = (key: string, facts: unknown[]) => unchanged.write(key, facts, async () => void writes.push(key));
    return { unchanged, writes, save, advance: (ms: number) => (now += ms) };
  }

  it('skips writing the same facts again within the window, and writes them again after it', async () => {
    const { writes, save, advance } = setup();
    await save('session-1', ['account-1', ['client-a']]);
    await save('session-1', ['account-1', ['client-a']]);
    expect(writes).toEqual(['session-1']);
    advance(UNCHANGED_WRITE_WINDOW_MS);
    await save('session-1', ['account-1', ['client-a']]);
    expect(writes).toEqual(['session-1', 'session-1']);
  });

  it('writes at once when a fact changes, and keeps keys apart', async () => {
    const { writes, save } = setup();
    await save('session-1', ['account-1', ['client-a']]);
    await save('session-1', ['account-1', ['client-a', 'client-b']]);
    await save('session-2', ['account-1', ['client-a', 'client-b']]);
    expect(writes).toEqual(['session-1', 'session-1', 'session-2']);
  });

  it('writes again after the key was forgotten (its row deleted)', async () => {
    const { unchanged, writes, save } = setup();
    await save('session-1', ['account-1']);
    unchanged.forget('session-1');
    await save('session-1', ['account-1']);
    expect(writes).toEqual(['session-1', 'session-1']);
  });

  it('does not remember a write that failed', async () => {
    const { unchanged, writes, save } = setup();
    await expect(unchanged.write('session-1', ['account-1'], () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    await save('session-1', ['account-1']);
    expect(writes).toEqual(['session-1']);
  });

  it('rounds an expiry to the minute', () => {
    expect(expiryMinute(120)).toBe(expiryMinute(179));
    expect(expiryMinute(180)).not.toBe(expiryMinute(179));
    expect(expiryMinute(undefined)).toBeNull();
  });

  it('stores the end of the expiry minute, never earlier than the session expires', () => {
    for (const exp of [120, 121, 179]) {
      expect(endOfExpiryMinute(exp)).toBe(180);
      expect(endOfExpiryMinute(exp)!).toBeGreaterThan(exp);
    }
    expect(endOfExpiryMinute(undefined)).toBeUndefined();
  });
});
