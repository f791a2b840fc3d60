import { describe, expect, it } from '@jest/globals';
import type { AccountRow } from '../../../src/accounts/queries.js';
import type { AuditEvent } from '../../../src/audit/recorder.js';
import { createPasskeyChanges, type PasskeyChangeDeps, type RegistrationThrottle } from '../../../src/passkeys/changes.js';
import type { AttemptDecision } from '../../../src/ratelimit/login-protection.js';

const account = { id: 'acc-1', email: 'pia@example.com', password_hash: 'x' } as AccountRow;
const origin = { ip: '192.0.2.1' };
const passkey = { id: 'pk-1', name: 'Laptop', synced: false, authenticator: undefined };

/** The person's own registration over fakes: what it records, counts and answers. */
function registration(decision: AttemptDecision, registered: boolean) {
  const events: AuditEvent[] = [];
  const counted: string[] = [];
  const changes = createPasskeyChanges({
    passkeys: { register: async () => (registered ? { ok: true, passkey } : { ok: false, reason: 'verification_failed' }) },
    audit: { record: async (event: AuditEvent) => void events.push(event) },
  } as unknown as PasskeyChangeDeps);
  const throttle: RegistrationThrottle = {
    ip: '192.0.2.1',
    protection: {
      beforeAttempt: async () => decision,
      recordFailure: async () => (counted.push('failure'), { consecutiveFailures: 1, delaySeconds: 0, lockNow: false }),
      recordSuccess: async () => void counted.push('success'),
    },
  };
  return { changes, throttle, events, counted };
}

describe('a person registering a passkey (passkeys/changes.ts)', () => {
  it('refuses while the second-factor throttles say wait, with the wait and a passkey.failed event', async () => {
    const { changes, throttle, events, counted } = registration({ allowed: false, retryAfter: 30, reason: 'ip' }, true);
    const result = await changes.register(account, 'b', '{}', undefined, origin, throttle, { stage: 'offer', clientId: 'app' });
    expect(result).toEqual({ ok: false, reason: 'throttled', retryAfter: 30 });
    expect(events).toEqual([
      expect.objectContaining({ type: 'passkey.failed', outcome: 'failure', accountId: 'acc-1', clientId: 'app', detail: { stage: 'register', reason: 'throttled', retryAfter: 30, during: 'offer' } }),
    ]);
    expect(counted).toEqual([]);
  });

  it('counts a refused registration as a failure and a good one as a success', async () => {
    const refused = registration({ allowed: true }, false);
    await expect(refused.changes.register(account, 'b', '{}', undefined, origin, refused.throttle)).resolves.toMatchObject({ ok: false, reason: 'verification_failed' });
    expect(refused.counted).toEqual(['failure']);
    expect(refused.events[0]).toMatchObject({ type: 'passkey.failed', detail: { stage: 'register', reason: 'verification_failed' } });

    const added = registration({ allowed: true }, true);
    await expect(added.changes.register(account, 'b', '{}', 'Laptop', origin, added.throttle)).resolves.toEqual({ ok: true, passkey });
    expect(added.counted).toEqual(['success']);
    expect(added.events[0]).toMatchObject({ type: 'passkey.registered', detail: { passkeyId: 'pk-1', synced: false } });
  });
});
